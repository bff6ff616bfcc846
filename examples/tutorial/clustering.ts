// k-means (ml-kmeans) and the Bayesian information criterion of a clustering.
import { kmeans } from "ml-kmeans";

/** A k-means result as plain data, so jug can store it (ml-kmeans returns a class instance). */
export interface Clustering {
  k: number;
  seed: number;
  /** Cluster index of each point. */
  assignments: number[];
  centroids: number[][];
  /** Points per cluster. */
  sizes: number[];
  /** Per cluster, the variance of each dimension around its centroid. */
  variances: number[][];
}

export function clusterPoints(points: readonly (readonly number[])[], k: number, seed: number): Clustering {
  const data = points.map((p) => [...p]); // ml-kmeans wants mutable arrays
  const { clusters, centroids } = kmeans(data, k, { seed, initialization: "kmeans++", maxIterations: 300 });
  const dimensions = data[0]!.length;
  const sizes = new Array<number>(k).fill(0);
  const sumsOfSquares = centroids.map(() => new Array<number>(dimensions).fill(0));
  clusters.forEach((cluster, i) => {
    sizes[cluster]!++;
    data[i]!.forEach((v, d) => (sumsOfSquares[cluster]![d]! += (v - centroids[cluster]![d]!) ** 2));
  });
  const variances = sumsOfSquares.map((sums, cluster) => sums.map((s) => s / Math.max(1, sizes[cluster]!)));
  return { k, seed, assignments: clusters, centroids, sizes, variances };
}

/**
 * Smallest variance a dimension may have in the likelihood. Features are averages over
 * thousands of pixels, so some barely vary inside a cluster; without a floor their log()
 * would dominate (or be -Infinity for a one-point cluster).
 */
const VARIANCE_FLOOR = 1e-6;

/**
 * BIC of a clustering seen as a mixture of Gaussians, each with its own diagonal covariance
 * and with mixing weights n_j / n: -2 log L + p log n. Lower is better.
 * (One shared spherical variance, as in X-means, splits any cluster that is longer in some
 * dimensions than in others, so it overestimates k on image features.)
 */
export function bic(c: Clustering): number {
  const n = c.assignments.length;
  let logLikelihood = 0;
  c.sizes.forEach((size, cluster) => {
    if (size === 0) return;
    logLikelihood += size * Math.log(size / n);
    for (const variance of c.variances[cluster]!) {
      logLikelihood -= (size / 2) * (Math.log(2 * Math.PI * Math.max(variance, VARIANCE_FLOOR)) + 1);
    }
  });
  const dimensions = c.variances[0]!.length;
  const parameters = c.k - 1 + 2 * c.k * dimensions;
  return -2 * logLikelihood + parameters * Math.log(n);
}

/** Index of the smallest value (the first one on ties). */
export function argmin(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! < values[best]!) best = i;
  return best;
}
