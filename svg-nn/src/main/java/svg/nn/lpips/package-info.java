/**
 * LPIPS (Zhang et al. 2018, "The Unreasonable Effectiveness of Deep Features as a Perceptual Metric"), the VGG
 * variant that LDM's autoencoder loss uses: {@link svg.nn.lpips.Vgg16Features} (torchvision VGG16 {@code features}
 * up to relu5_3) and {@link svg.nn.lpips.Lpips} (scaling layer, unit-normalised feature differences, learned 1x1
 * weights). Weights are never shipped here; users supply the official files ({@link svg.nn.lpips.LpipsWeights}).
 */
package svg.nn.lpips;
