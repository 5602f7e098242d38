package svg.nn.lpips;

import svg.tensor.Tensor;
import svg.tensor.io.SafetensorsFile;
import svg.tensor.io.TensorFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads user-supplied LPIPS weights:
 * <ul>
 *   <li>the lin file: the official {@code weights/v0.1/vgg.pth} of richzhang/PerceptualSimilarity (also in the
 *       {@code lpips} pip package), keys {@code lin0.model.1.weight} ... {@code lin4.model.1.weight};</li>
 *   <li>the VGG file: torchvision's VGG16 ImageNet weights ({@code vgg16-397923af.pth}) or a safetensors file with
 *       its {@code features.*} tensors. A full saved {@code lpips.LPIPS} state dict also works for either file:
 *       its {@code net.slice<k>.<i>.*} keys are torchvision's {@code features.<i>.*}.</li>
 * </ul>
 * Any format {@link TensorFiles} reads (torch zip, legacy torch, safetensors).
 */
public final class LpipsWeights {
    private LpipsWeights() {}

    /** LPIPS from a lin file and a VGG file; {@code vgg} may be null when the lin file also holds the VGG weights. */
    public static Lpips load(Path lins, Path vgg) throws IOException {
        Map<String, Tensor> l = read(lins);
        Map<String, Tensor> v = vgg == null ? l : read(vgg);
        if (!v.containsKey("features.0.weight"))
            throw new IllegalArgumentException(vgg == null
                    ? "LPIPS file " + lins + " holds no VGG16 weights: supply them (torchvision vgg16 'features.*')"
                    : "VGG16 file " + vgg + " lacks 'features.0.weight' (expected torchvision vgg16 'features.*' keys)");
        List<Tensor> lw = new ArrayList<>();
        for (int k = 0; k < 5; k++) {
            Tensor t = l.get("lin" + k + ".model.1.weight");
            if (t == null) throw new IllegalArgumentException("LPIPS file " + lins + " lacks 'lin" + k + ".model.1.weight' (expected the official LPIPS v0.1 vgg.pth)");
            lw.add(t);
        }
        try {
            return new Lpips(new Vgg16Features(v), lw);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (files " + lins + (vgg == null ? "" : ", " + vgg) + ")", e);
        }
    }

    /** The tensors we may need, with LPIPS' net.slice<k>.<i> names mapped to features.<i>. */
    private static Map<String, Tensor> read(Path p) throws IOException {
        if (!Files.isRegularFile(p)) throw new IOException("no such weights file: " + p);
        Map<String, Tensor> raw = new LinkedHashMap<>();
        if (TensorFiles.detect(p) == TensorFiles.Format.SAFETENSORS) {
            // load only what LPIPS uses: a converted VGG16 may still carry the 400 MB classifier
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                for (var info : f.tensors()) if (wanted(info.name())) raw.put(info.name(), f.load(info.name()));
            }
        } else {
            TensorFiles.loadStateDict(p, null).forEach((k, t) -> { if (wanted(k)) raw.put(k, t); });
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        raw.forEach((k, t) -> out.put(k.startsWith("net.slice") ? "features." + k.substring(k.indexOf('.', 4) + 1) : k, t));
        return out;
    }

    private static boolean wanted(String k) {
        return k.startsWith("features.") || k.startsWith("net.slice") || k.startsWith("lin");
    }
}
