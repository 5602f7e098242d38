package svg.nn.train.autoencoder;

/**
 * Loss weights of the autoencoder stage (names after the LDM LPIPSWithDiscriminator).
 *
 * @param perceptualWeight weight of the perceptual loss: mean LPIPS when the task is given user-supplied LPIPS
 *                         weights, else MSE between the frozen SSL encoder's patch features of the reconstruction
 *                         and of the input (the stand-in for LPIPS when no VGG weights are available)
 * @param discWeight       GAN weight (multiplied by the adaptive factor)
 * @param discStart        step from which the GAN loss and discriminator updates are on (delayed start)
 * @param discLr           discriminator Adam learning rate
 * @param discChannels     discriminator base width
 */
public record AutoencoderLossConfig(double perceptualWeight, double discWeight, long discStart, double discLr, int discChannels) {
    public static AutoencoderLossConfig defaults() { return new AutoencoderLossConfig(0.5, 0.1, 1000, 2e-4, 32); }
}
