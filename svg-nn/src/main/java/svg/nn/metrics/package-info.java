/**
 * Distribution metrics on feature sets: {@link svg.nn.metrics.FeatureStats} (mean and covariance, accumulated in
 * float64), {@link svg.nn.metrics.SymmetricEigen} (Householder tridiagonalisation + implicit QL, double precision),
 * {@link svg.nn.metrics.MatrixSqrt} (square roots of symmetric positive semi-definite matrices) and
 * {@link svg.nn.metrics.FrechetDistance} (the Frechet distance between two Gaussians, as FID computes it).
 * Which features go in (the project's Fashion-MNIST classifier, or the FID InceptionV3 of svg.nn.inception) is the
 * caller's choice.
 */
package svg.nn.metrics;
