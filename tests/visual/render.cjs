// render.cjs - render one ZPL label to PNG, offline (zpl-renderer-js: zebrash compiled to WASM).
// usage: node render.cjs LABEL.zpl OUT.png [DOTS_PER_MM]
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
  const [src, out, dpmmArg] = process.argv.slice(2);
  if (!src || !out) {
    console.error("usage: node render.cjs LABEL.zpl OUT.png [DOTS_PER_MM]");
    process.exit(2);
  }
  const dpmm = dpmmArg ? parseInt(dpmmArg, 10) : 8; // 8 dots/mm = 203 dpi, 12 = 300 dpi
  const zpl = fs.readFileSync(src, "utf8");
  const pw = dim(zpl, "PW"), ll = dim(zpl, "LL");
  if (!pw || !ll) {
    console.error("render: label has no ^PW/^LL");
    process.exit(1);
  }
  const { api } = await ready;
  const b64 = await api.zplToBase64Async(zpl, pw / dpmm, ll / dpmm, dpmm);
  fs.writeFileSync(out, Buffer.from(b64, "base64"));
})().catch((e) => {
  console.error("render failed:", e && e.message ? e.message : e);
  process.exit(1);
});
