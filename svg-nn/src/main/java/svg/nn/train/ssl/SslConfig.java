package svg.nn.train.ssl;

/**
 * DINO self-distillation settings (names follow the DINO papers).
 *
 * @param globalCrops    global views per image (the teacher sees only these)
 * @param localCrops     local views per image
 * @param localSize      side of a local crop (the global side is the image size)
 * @param prototypes     K, the head's output size
 * @param headHidden     head MLP width
 * @param bottleneck     head bottleneck width
 * @param studentTemp    student softmax temperature
 * @param teacherTemp    teacher softmax temperature (sharpening)
 * @param centerMomentum EMA momentum of the teacher centre (centering)
 * @param teacherMomentum start of the cosine teacher EMA momentum (rises to 1 at the last step)
 */
public record SslConfig(int globalCrops, int localCrops, int localSize, int prototypes, int headHidden, int bottleneck,
                        double studentTemp, double teacherTemp, double centerMomentum, double teacherMomentum) {
    public SslConfig {
        if (globalCrops < 2) throw new IllegalArgumentException("DINO needs at least 2 global crops, got " + globalCrops);
        if (localCrops < 0) throw new IllegalArgumentException("local crops must be >= 0");
    }

    public static SslConfig small() { return new SslConfig(2, 2, 16, 256, 128, 64, 0.1, 0.04, 0.9, 0.99); }
}
