// The tutorial pipeline (jug's tutorial, in TypeScript): compute features of a set of images,
// cluster them with k-means for a range of k, 10 random restarts each, score each clustering
// with BIC, and pick the best k. It reads like sequential code: each generator call below
// records a task, and `jug execute` runs every task once, in parallel, caching each result.
//
//   npx jug execute examples/tutorial/jugfile.ts -j 2
//   npx jug status examples/tutorial/jugfile.ts
//
// TUTORIAL_SMALL=1 runs a reduced version (fewer images and values of k) in a few seconds.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TaskGenerator, type Task } from "jug";
import { argmin, bic, clusterPoints, type Clustering } from "./clustering";
import { imageFeatures } from "./features";
import { decodePng, encodePng, imageFileName, renderScene, writeFileAtomic } from "./scenes";

const small = process.env.TUTORIAL_SMALL === "1";
const IMAGE_COUNT = small ? 60 : 300;
const K_VALUES = range(2, small ? 8 : 200); // the seed's range(2, 200)
const RESTARTS = 10;
const IMAGES_DIR = join(__dirname, "images");

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/**
 * Draws synthetic image `index` into images/ and returns its file name. A task, so it runs once
 * per image even with many workers (the first run makes the images; later runs reuse the result).
 * The store holds the name, not the path, so results stay valid when the project moves.
 */
const renderImage = TaskGenerator(function renderImage(index: number): string {
  const name = imageFileName(index);
  writeFileAtomic(join(IMAGES_DIR, name), encodePng(renderScene(index)));
  return name;
});

const computeFeatures = TaskGenerator(function computeFeatures(image: string): number[] {
  return imageFeatures(decodePng(readFileSync(join(IMAGES_DIR, image))));
});

const kmeans = TaskGenerator(function kmeans(features: number[][], k: number, seed: number): Clustering {
  return clusterPoints(features, k, seed);
});

const computeBic = TaskGenerator(function computeBic(clustering: Clustering): number {
  return bic(clustering);
});

/** The tutorial's `argmin(bics) // 10`, as a task: the answer is stored like every other result. */
const nrClusters = TaskGenerator(function nrClusters(bics: number[]): number {
  return K_VALUES[Math.floor(argmin(bics) / RESTARTS)]!;
});

const images = range(0, IMAGE_COUNT).map((index) => renderImage(index));
const features = images.map((image) => computeFeatures(image));
const clusters: Task<Clustering>[] = [];
const bics: Task<number>[] = [];
for (const k of K_VALUES) {
  for (let seed = 0; seed < RESTARTS; seed++) {
    clusters.push(kmeans(features, k, seed));
    bics.push(computeBic(clusters[clusters.length - 1]!));
  }
}
nrClusters(bics);
