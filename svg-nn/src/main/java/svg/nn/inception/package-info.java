/**
 * The InceptionV3 of standard FID (pytorch-fid's {@code fid_inception_v3}, weights
 * {@code pt_inception-2015-12-05-6726825d.pth}, converted from the TensorFlow FID graph): {@link
 * svg.nn.inception.FidInceptionV3} computes the 2048-d pool3 features, {@link svg.nn.inception.InceptionWeights}
 * reads the user's weight file. Inference only; batch norm is folded into the convolutions. Weights are never
 * shipped here.
 */
package svg.nn.inception;
