/**
 * Generates the Teams app icons: appPackage/color.png (192×192, the mark in white on the accent
 * colour) and appPackage/outline.png (32×32, the mark in white on transparent, as Teams requires).
 * The mark is a target whose bullseye is hit by an arrow coming from the top right.
 *
 *   npx tsx scripts/makeIcons.ts
 *
 * Shapes are signed-distance functions; each pixel is sampled 4×4 times for anti-aliasing.
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pngjs from "pngjs";

const { PNG } = pngjs;

export const ACCENT = { r: 0x2e, g: 0x5b, b: 0xff };

type Shape = (x: number, y: number) => boolean;

/** The mark in a unit square (0..1): rings, bullseye and an arrow shaft from the top right. */
function mark(stroke: number): Shape {
  const cx = 0.46;
  const cy = 0.54;
  const ring = (r: number): Shape => (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - r) <= stroke / 2;
  const dot: Shape = (x, y) => Math.hypot(x - cx, y - cy) <= stroke * 1.1;
  const segment = (ax: number, ay: number, bx: number, by: number, w: number): Shape => (x, y) => {
    const dx = bx - ax;
    const dy = by - ay;
    const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
    return Math.hypot(x - (ax + t * dx), y - (ay + t * dy)) <= w / 2;
  };
  const tail = { x: 0.86, y: 0.14 };
  const shapes: Shape[] = [
    ring(0.36),
    ring(0.2),
    dot,
    segment(cx, cy, tail.x, tail.y, stroke * 0.9),
    // fletching: two short strokes at the tail
    segment(tail.x, tail.y, tail.x - 0.13, tail.y, stroke * 0.8),
    segment(tail.x, tail.y, tail.x, tail.y + 0.13, stroke * 0.8),
  ];
  return (x, y) => shapes.some((s) => s(x, y));
}

function coverage(shape: Shape, size: number, px: number, py: number, margin: number): number {
  const n = 4;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const u = (px + (i + 0.5) / n) / size;
      const v = (py + (j + 0.5) / n) / size;
      // map the padded icon area onto the mark's unit square
      const x = (u - margin) / (1 - 2 * margin);
      const y = (v - margin) / (1 - 2 * margin);
      if (shape(x, y)) hits++;
    }
  }
  return hits / (n * n);
}

/** 192×192: white mark on an opaque accent background. */
export function renderColorIcon(): Buffer {
  const size = 192;
  const png = new PNG({ width: size, height: size });
  const shape = mark(0.075);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const a = coverage(shape, size, x, y, 0.14);
      const i = (y * size + x) * 4;
      png.data[i] = Math.round(ACCENT.r + (255 - ACCENT.r) * a);
      png.data[i + 1] = Math.round(ACCENT.g + (255 - ACCENT.g) * a);
      png.data[i + 2] = Math.round(ACCENT.b + (255 - ACCENT.b) * a);
      png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

/** 32×32: the mark in pure white; only the alpha channel varies (anti-aliased edges). */
export function renderOutlineIcon(): Buffer {
  const size = 32;
  const png = new PNG({ width: size, height: size });
  const shape = mark(0.1);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const a = coverage(shape, size, x, y, 0.04);
      const i = (y * size + x) * 4;
      const alpha = Math.round(255 * a);
      const rgb = alpha === 0 ? 0 : 255;
      png.data[i] = rgb;
      png.data[i + 1] = rgb;
      png.data[i + 2] = rgb;
      png.data[i + 3] = alpha;
    }
  }
  return PNG.sync.write(png);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = join(dirname(fileURLToPath(import.meta.url)), "..", "appPackage");
  writeFileSync(join(dir, "color.png"), renderColorIcon());
  writeFileSync(join(dir, "outline.png"), renderOutlineIcon());
  console.log(`wrote ${join(dir, "color.png")} and ${join(dir, "outline.png")}`);
}
