// SPDX-License-Identifier: Apache-2.0
// render.cjs - render one ZPL label to PNG, offline (zpl-renderer-js: zebrash compiled to WASM).
// usage: node render.cjs LABEL.zpl OUT.png [DOTS_PER_MM] [LABEL2.zpl OUT2.png DOTS_PER_MM ...]
// The canvas is sized from the label's own ^PW/^LL so nothing is clipped by the renderer
// (a too-small canvas cuts content silently: research/hands-on.md section 3).
"use strict";
const fs = require("node:fs");
const { ready } = require("zpl-renderer-js");

function dim(zpl, cmd) {
  const m = zpl.match(new RegExp("\\^" + cmd + "(\\d+)"));
  return m ? parseInt(m[1], 10) : 0;
}

(async () => {
  // usage: node render.cjs IN.zpl OUT.png [DOTS_PER_MM] [IN2.zpl OUT2.png DOTS_PER_MM ...]
  // (several labels in one process: the WASM renderer loads once)
  const args = process.argv.slice(2);
  if (args.length < 2) {
    console.error("usage: node render.cjs LABEL.zpl OUT.png [DOTS_PER_MM] [LABEL2.zpl OUT2.png DOTS_PER_MM ...]");
    process.exit(2);
  }
  const jobs = [];
  for (let i = 0; i < args.length; i += 3)
    jobs.push([args[i], args[i + 1], args[i + 2] ? parseInt(args[i + 2], 10) : 8]); // 8 = 203 dpi, 12 = 300
  const { api } = await ready;
  for (const [src, out, dpmm] of jobs) {
    if (!src || !out) throw new Error("missing output file for " + src);
    const zpl = fs.readFileSync(src, "utf8");
    const pw = dim(zpl, "PW"), ll = dim(zpl, "LL");
    if (!pw || !ll) throw new Error(src + ": label has no ^PW/^LL");
    const b64 = await api.zplToBase64Async(zpl, pw / dpmm, ll / dpmm, dpmm);
    fs.writeFileSync(out, Buffer.from(b64, "base64"));
  }
})().catch((e) => {
  console.error("render failed:", e && e.message ? e.message : e);
  process.exit(1);
});
