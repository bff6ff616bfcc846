// Image features from decoded pixels: colour statistics, how the colour changes from the top
// half to the bottom half, and texture (mean gradients). Each feature is a smooth function of
// the pixels (no thresholds, which would turn small colour changes into jumps), scaled to
// about [0, 1] so that k-means can use plain Euclidean distance.
import type { Rgba } from "./scenes";

export const FEATURE_NAMES = [
  "meanR", "meanG", "meanB",
  "stdR", "stdG", "stdB",
  "topMinusBottomR", "topMinusBottomG", "topMinusBottomB",
  "saturation", "gradX", "gradY",
] as const;

function luminance(data: Uint8Array, at: number): number {
  return 0.299 * data[at]! + 0.587 * data[at + 1]! + 0.114 * data[at + 2]!;
}

export function imageFeatures(image: Rgba): number[] {
  const { width, height, data } = image;
  const pixels = width * height;
  const sum = [0, 0, 0];
  const sumSquares = [0, 0, 0];
  const topMinusBottom = [0, 0, 0];
  let saturation = 0;
  let gradX = 0;
  let gradY = 0;
  for (let y = 0; y < height; y++) {
    const sign = y < height / 2 ? 1 : -1;
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 4;
      let max = 0;
      let min = 255;
      for (let c = 0; c < 3; c++) {
        const v = data[at + c]!;
        sum[c]! += v;
        sumSquares[c]! += v * v;
        topMinusBottom[c]! += sign * v;
        max = Math.max(max, v);
        min = Math.min(min, v);
      }
      saturation += max - min;
      const l = luminance(data, at);
      if (x + 1 < width) gradX += Math.abs(luminance(data, at + 4) - l);
      if (y + 1 < height) gradY += Math.abs(luminance(data, at + 4 * width) - l);
    }
  }
  const means = sum.map((s) => s / pixels);
  const stds = sumSquares.map((s, c) => Math.sqrt(Math.max(0, s / pixels - means[c]! ** 2)));
  return [
    ...means.map((m) => m / 255),
    ...stds.map((s) => s / 128),
    ...topMinusBottom.map((d) => d / pixels / 255),
    saturation / pixels / 255,
    // Mean gradients are small next to 255; scale them so texture weighs like colour.
    (4 * gradX) / pixels / 255,
    (4 * gradY) / pixels / 255,
  ];
}
