package svg.nn.layer;

import svg.tensor.Tensor;

/**
 * A parameterless elementwise layer. It exists so that containers keep PyTorch's indices: in
 * {@code Sequential(SiLU(), Linear(...))} the Linear is child {@code 1}.
 */
public final class Activation extends Layer {
    public enum Kind { IDENTITY, SILU, GELU, GELU_TANH, RELU, TANH }

    public final Kind kind;

    public Activation(Kind kind) { this.kind = kind; }

    public static Activation silu() { return new Activation(Kind.SILU); }
    public static Activation gelu() { return new Activation(Kind.GELU); }
    public static Activation geluTanh() { return new Activation(Kind.GELU_TANH); }
    public static Activation identity() { return new Activation(Kind.IDENTITY); }

    @Override
    public Tensor forward(Tensor x) {
        return switch (kind) {
            case IDENTITY -> x;
            case SILU -> x.silu();
            case GELU -> x.gelu();
            case GELU_TANH -> x.geluTanh();
            case RELU -> x.relu();
            case TANH -> x.tanh();
        };
    }
}
