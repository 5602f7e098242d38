package svg.tensor.io;

import java.util.Arrays;

/** Name, element type and shape of a stored tensor, known without reading its data. */
public record TensorInfo(String name, DType dtype, int[] shape) {
    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public int[] shape() { return shape.clone(); }

    /** Number of elements (long: a file may hold tensors larger than one Java array). The readers refuse shapes
     *  whose count overflows a long, so this product is exact. */
    public long numel() {
        long n = 1;
        for (int s : shape) n = Math.multiplyExact(n, s);
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && t.name.equals(name) && t.dtype == dtype && Arrays.equals(t.shape, shape);
    }

    @Override
    public int hashCode() { return name.hashCode() * 31 + dtype.hashCode() * 7 + Arrays.hashCode(shape); }

    @Override
    public String toString() { return name + " " + dtype + Arrays.toString(shape); }
}
