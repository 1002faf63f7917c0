// SPDX-License-Identifier: Apache-2.0
// pnginfo.cjs - ink bounding box of a rendered label (node built-ins only: zlib).
// usage: node pnginfo.cjs FILE.png [X0 Y0 X1 Y1]
// Prints "W H" of the image, then "x0 y0 x1 y1" of the dark pixels (value < 128), only those
// inside the rectangle when one is given; "none" when there is no ink. Reads 8-bit grayscale
// or RGB(A) non-interlaced PNGs, which is what zpl-renderer-js writes.
"use strict";
const fs = require("node:fs");
const zlib = require("node:zlib");

function readPng(path) {
  const d = fs.readFileSync(path);
  if (d.readUInt32BE(0) !== 0x89504e47) throw new Error("not a PNG: " + path);
  let pos = 8, w = 0, h = 0, depth = 0, ctype = 0, interlace = 0;
  const idat = [];
  while (pos < d.length) {
    const n = d.readUInt32BE(pos), typ = d.toString("latin1", pos + 4, pos + 8);
    const c = d.subarray(pos + 8, pos + 8 + n);
    pos += 12 + n;
    if (typ === "IHDR") {
      w = c.readUInt32BE(0); h = c.readUInt32BE(4); depth = c[8]; ctype = c[9]; interlace = c[12];
    } else if (typ === "IDAT") idat.push(c);
  }
  const bpp = { 0: 1, 2: 3, 4: 2, 6: 4 }[ctype];
  if (depth !== 8 || interlace || !bpp) throw new Error(`unsupported PNG depth=${depth} type=${ctype}`);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = w * bpp, img = new Uint8Array(w * h);
  let prev = new Uint8Array(stride), p = 0;
  for (let y = 0; y < h; y++) {
    const f = raw[p], line = new Uint8Array(raw.subarray(p + 1, p + 1 + stride));
    p += 1 + stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? line[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
      if (f === 1) line[i] = (line[i] + a) & 255;
      else if (f === 2) line[i] = (line[i] + b) & 255;
      else if (f === 3) line[i] = (line[i] + ((a + b) >> 1)) & 255;
      else if (f === 4) {
        const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
        line[i] = (line[i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
      }
    }
    for (let x = 0; x < w; x++) img[y * w + x] = line[x * bpp]; // first channel: black ink
    prev = line;
  }
  return { w, h, img };
}

const [file, ...r] = process.argv.slice(2);
const { w, h, img } = readPng(file);
let [x0, y0, x1, y1] = r.length === 4 ? r.map(Number) : [0, 0, w - 1, h - 1];
let bx0 = Infinity, by0 = Infinity, bx1 = -1, by1 = -1;
for (let y = Math.max(0, y0); y <= Math.min(h - 1, y1); y++)
  for (let x = Math.max(0, x0); x <= Math.min(w - 1, x1); x++)
    if (img[y * w + x] < 128) {
      if (x < bx0) bx0 = x; if (y < by0) by0 = y; if (x > bx1) bx1 = x; if (y > by1) by1 = y;
    }
console.log(`${w} ${h}`);
console.log(bx1 < 0 ? "none" : `${bx0} ${by0} ${bx1} ${by1}`);
