#!/usr/bin/python3
"""pnginfo.py - ink bounding box of a rendered label (stdlib only: zlib + struct).

usage: pnginfo.py FILE.png [X0 Y0 X1 Y1]
Prints "W H" of the image and "x0 y0 x1 y1" of the dark pixels (value < 128),
optionally only those inside the given rectangle; "none" when there is no ink.
Reads 8-bit grayscale or RGB(A) non-interlaced PNGs, which is what
zpl-renderer-js writes.
"""
import struct
import sys
import zlib


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit("not a PNG: " + path)
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if typ == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", chunk)
        elif typ == b"IDAT":
            idat += chunk
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or interlace or ctype not in (0, 2, 4, 6):
        raise SystemExit("unsupported PNG format depth=%d type=%d" % (depth, ctype))
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, p = [], bytearray(stride), 0
    for _ in range(h):
        f = raw[p]
        line = bytearray(raw[p + 1:p + 1 + stride])
        p += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        rows.append(bytes(line[::bpp]))  # first channel is enough for black ink
        prev = line
    return w, h, rows


def main():
    w, h, rows = read_png(sys.argv[1])
    x0, y0, x1, y1 = (0, 0, w - 1, h - 1)
    if len(sys.argv) == 6:
        x0, y0, x1, y1 = (int(v) for v in sys.argv[2:6])
    bx0 = by0 = 1 << 30
    bx1 = by1 = -1
    for y in range(max(0, y0), min(h - 1, y1) + 1):
        r = rows[y]
        for x in range(max(0, x0), min(w - 1, x1) + 1):
            if r[x] < 128:
                bx0, by0, bx1, by1 = min(bx0, x), min(by0, y), max(bx1, x), max(by1, y)
    print(w, h)
    print("none" if bx1 < 0 else "%d %d %d %d" % (bx0, by0, bx1, by1))


if __name__ == "__main__":
    main()
