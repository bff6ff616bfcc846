// The tutorial's synthetic data: images are deterministic, written atomically, and their
// features separate the scene kinds so that BIC over k-means recovers the number of kinds.
// The example modules are TypeScript outside this project, loaded the way jug loads them (jiti).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createJiti } from "jiti";

const tutorial = resolve(__dirname, "../../../examples/tutorial");

// The parts of the example modules used here (their types live outside this project).
interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}
interface Scenes {
  SCENE_KINDS: readonly string[];
  IMAGE_SIZE: number;
  sceneKind(index: number): string;
  renderScene(index: number, size?: number): Rgba;
  encodePng(image: Rgba): Buffer;
  decodePng(bytes: Buffer): Rgba;
  writeFileAtomic(path: string, bytes: Uint8Array): void;
}
interface Clustering {
  k: number;
  assignments: number[];
}
interface ClusteringModule {
  clusterPoints(points: number[][], k: number, seed: number): Clustering;
  bic(c: Clustering): number;
  argmin(values: readonly number[]): number;
}
interface FeaturesModule {
  FEATURE_NAMES: readonly string[];
  imageFeatures(image: Rgba): number[];
}

const jiti = createJiti(__filename);
const load = <T>(name: string): Promise<T> => jiti.import<T>(join(tutorial, name));

test("the same index renders the same pixels; different indices differ", async () => {
  const scenes = await load<Scenes>("scenes.ts");
  const a = scenes.renderScene(7);
  assert.equal(a.width, scenes.IMAGE_SIZE);
  assert.equal(a.data.length, scenes.IMAGE_SIZE * scenes.IMAGE_SIZE * 4);
  assert.deepEqual(scenes.renderScene(7).data, a.data);
  assert.notDeepEqual(scenes.renderScene(7 + scenes.SCENE_KINDS.length).data, a.data);
});

test("every kind appears evenly: image i is kind i mod the number of kinds", async () => {
  const scenes = await load<Scenes>("scenes.ts");
  const n = scenes.SCENE_KINDS.length;
  assert.deepEqual(
    Array.from({ length: 2 * n }, (_, i) => scenes.sceneKind(i)),
    [...scenes.SCENE_KINDS, ...scenes.SCENE_KINDS],
  );
});

test("a written PNG decodes to the rendered pixels and leaves no temporary file", async () => {
  const scenes = await load<Scenes>("scenes.ts");
  const dir = mkdtempSync(join(tmpdir(), "jug-scenes-"));
  try {
    const image = scenes.renderScene(3);
    const path = join(dir, "nested", "3.png");
    scenes.writeFileAtomic(path, scenes.encodePng(image));
    scenes.writeFileAtomic(path, scenes.encodePng(image)); // a second writer of the same image is harmless
    assert.deepEqual(readdirSync(join(dir, "nested")), ["3.png"]);
    const decoded = scenes.decodePng(readFileSync(path));
    assert.equal(decoded.width, image.width);
    assert.deepEqual(new Uint8Array(decoded.data), image.data);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("features put images of one kind in one k-means cluster, and BIC picks the number of kinds", async () => {
  const scenes = await load<Scenes>("scenes.ts");
  const { imageFeatures, FEATURE_NAMES } = await load<FeaturesModule>("features.ts");
  const { clusterPoints, bic, argmin } = await load<ClusteringModule>("clustering.ts");
  const kinds = scenes.SCENE_KINDS.length;
  const features = Array.from({ length: 12 * kinds }, (_, i) => imageFeatures(scenes.renderScene(i)));
  assert.equal(features[0]!.length, FEATURE_NAMES.length);

  const clustering = clusterPoints(features, kinds, 0);
  const clusterOfKind = new Map<string, Set<number>>();
  clustering.assignments.forEach((cluster, i) => {
    const kind = scenes.sceneKind(i);
    clusterOfKind.set(kind, (clusterOfKind.get(kind) ?? new Set()).add(cluster));
  });
  for (const [kind, clusters] of clusterOfKind) assert.equal(clusters.size, 1, `${kind} images fall in ${clusters.size} clusters`);
  assert.equal(new Set(clustering.assignments).size, kinds);

  const ks = [2, 3, 4, 5, 6, 7, 8];
  const bestPerK = ks.map((k) => Math.min(...[0, 1, 2, 3, 4].map((seed) => bic(clusterPoints(features, k, seed)))));
  assert.equal(ks[argmin(bestPerK)], kinds);
});
