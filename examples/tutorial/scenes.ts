// Synthetic "photos" for the tutorial: a few kinds of scene that look different to the eye
// (and to colour/texture features), each image a random variation of its kind. Everything is
// a pure function of the image index, so every machine and every run makes the same bytes.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { PNG } from "pngjs";

export const SCENE_KINDS = ["sky", "forest", "sunset", "bricks", "night"] as const;
export type SceneKind = (typeof SCENE_KINDS)[number];

/** Side of the square images, in pixels. */
export const IMAGE_SIZE = 96;

export interface Rgba {
  width: number;
  height: number;
  /** RGBA bytes, row-major, 4 per pixel (the layout pngjs reads and writes). */
  data: Uint8Array;
}

/** Image `index` shows kind `index % SCENE_KINDS.length`, so any prefix of the indices covers every kind evenly. */
export function sceneKind(index: number): SceneKind {
  return SCENE_KINDS[index % SCENE_KINDS.length]!;
}

export function imageFileName(index: number): string {
  return `${String(index).padStart(4, "0")}-${sceneKind(index)}.png`;
}

/** Small, fast, seedable PRNG (mulberry32): Math.random cannot be seeded. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Color = readonly [number, number, number];
type Painter = (x: number, y: number) => Color;

function mix(a: Color, b: Color, t: number): Color {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** A standard normal sample (Box-Muller). */
function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

interface Disc {
  cx: number;
  cy: number;
  r: number;
}

/** A disc of radius `r` wholly inside the image, its centre at random in the rows [top, bottom). */
function randomDisc(random: () => number, size: number, r: number, top: number, bottom: number): Disc {
  return { cx: r + random() * (size - 2 * r), cy: top + r + random() * (bottom - top - 2 * r), r };
}

function inDisc(d: Disc, x: number, y: number, squash = 1): boolean {
  const dx = x - d.cx;
  const dy = (y - d.cy) * squash;
  return dx * dx + dy * dy <= d.r * d.r;
}

/**
 * One painter per kind: the picture as a function of the pixel position. Objects move at
 * random but never change how much of each colour the picture holds (no clipping at the
 * border, clouds kept in the top half): a discrete or lopsided variation (2, 3 or 4 clouds;
 * a moon at the top or at the bottom) would make sub-kinds that the clustering rightly
 * reports as extra clusters. The colours stay well inside 0..255, so noise never clips.
 */
function scenePainter(kind: SceneKind, random: () => number, size: number): Painter {
  switch (kind) {
    case "sky": {
      const r = size / 10;
      // One cloud per third of the width, so they never overlap.
      const clouds = [0, 1, 2].map((slot) => ({ ...randomDisc(random, size / 3, r, 0, size / 2), cx: slot * (size / 3) + size / 6 }));
      return (x, y) => (clouds.some((c) => inDisc(c, x, y, 2)) ? [215, 215, 218] : mix([50, 90, 190], [150, 185, 215], y / size));
    }
    case "forest": {
      const period = size / 8;
      return (x, y) => (x % period < 2 ? [85, 60, 45] : (x * 7 + y * 13) % 5 === 0 ? [45, 65, 45] : [45, 95, 45]);
    }
    case "sunset": {
      const horizon = size * 0.7;
      const sun: Disc = { cx: size * (0.2 + random() * 0.6), cy: horizon, r: size * 0.12 };
      return (x, y) => (y > horizon ? [50, 45, 50] : inDisc(sun, x, y) ? [215, 205, 90] : mix([120, 50, 110], [210, 140, 60], y / horizon));
    }
    case "bricks": {
      const rowHeight = size / 8;
      const brickWidth = 2 * rowHeight;
      return (x, y) => {
        const row = Math.floor(y / rowHeight);
        const shifted = x + (row % 2) * (brickWidth / 2);
        return y % rowHeight < 2 || shifted % brickWidth < 2 ? [195, 195, 185] : [165, 65, 50];
      };
    }
    case "night": {
      const moon = randomDisc(random, size, size / 10, 0, size / 2);
      const starSeed = Math.floor(random() * 1e9);
      return (x, y) => {
        if (inDisc(moon, x, y)) return [210, 210, 190];
        // A star wherever a position hash is small: sparse, stable, no per-pixel state.
        const h = Math.imul((x * 73856093) ^ (y * 19349663) ^ starSeed, 0x27d4eb2d) >>> 0;
        return h % 97 === 0 ? [210, 210, 210] : [40, 45, 85];
      };
    }
  }
}

/** Gaussian spread (per channel, in 0..255 units) of each image's colour cast. */
const CAST_SPREAD = 8;
/** Amplitude of the per-pixel, per-channel sensor noise. */
const NOISE = 24;

/**
 * The pixels of image `index`: its kind's picture, a colour cast of its own (as if taken
 * under different light) and sensor noise.
 */
export function renderScene(index: number, size = IMAGE_SIZE): Rgba {
  const random = seededRandom(0x5eed ^ Math.imul(index + 1, 0x9e3779b1));
  const paint = scenePainter(sceneKind(index), random, size);
  const cast = [0, 1, 2].map(() => gaussian(random) * CAST_SPREAD);
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const color = paint(x, y);
      const at = (y * size + x) * 4;
      for (let c = 0; c < 3; c++) data[at + c] = clampByte(color[c]! + cast[c]! + (random() - 0.5) * NOISE);
      data[at + 3] = 255;
    }
  }
  return { width: size, height: size, data };
}

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

export function encodePng(image: Rgba): Buffer {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return PNG.sync.write(png);
}

export function decodePng(bytes: Buffer): Rgba {
  const png = PNG.sync.read(bytes);
  return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}

/**
 * Writes `bytes` to `path` so that no reader ever sees a partial file: a temporary name
 * unique to this process, then a rename. Two processes writing the same image race
 * harmlessly: the bytes are identical and the last rename wins.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, path);
}
