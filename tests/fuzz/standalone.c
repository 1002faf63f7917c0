/* SPDX-License-Identifier: Apache-2.0 */
/* tests/fuzz/standalone.c - run a libFuzzer target without libFuzzer.
 *
 * Used when the build is not a PL_FUZZ (clang) build: every file of the
 * corpus directory named on the command line is fed once, then a fixed number
 * of pseudo-random mutations of them, so the parsers are exercised under
 * ASan/UBSan in every CI run. The real coverage-guided run is
 * scripts/fuzz.sh (clang, -fsanitize=fuzzer) for a bounded time.
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT (64 * 1024)
#define FUZZ_MUTATIONS 20000

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Feed an exact-size heap copy so a read past the end is caught by ASan. */
static void feed(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	LLVMFuzzerTestOneInput(copy, size);
	free(copy);
}

int main(int argc, char **argv)
{
	static uint8_t seeds[64][FUZZ_MAX_INPUT];
	size_t seed_len[64];
	size_t nseeds = 0;
	uint8_t *work = malloc(FUZZ_MAX_INPUT);

	if (!work)
		return 1;
	if (argc > 1) {
		DIR *dir = opendir(argv[1]);
		struct dirent *de;
		while (dir && (de = readdir(dir)) && nseeds < 64) {
			char path[4096];
			FILE *f;
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[1], de->d_name);
			f = fopen(path, "rb");
			if (!f)
				continue;
			seed_len[nseeds] = fread(seeds[nseeds], 1, FUZZ_MAX_INPUT, f);
			fclose(f);
			feed(seeds[nseeds], seed_len[nseeds]);
			nseeds++;
		}
		if (dir)
			closedir(dir);
	}
	for (int i = 0; i < FUZZ_MUTATIONS; i++) {
		size_t len;
		if (nseeds) {
			size_t s = rng() % nseeds;
			len = seed_len[s];
			memcpy(work, seeds[s], len);
		} else {
			len = rng() % 256;
			for (size_t k = 0; k < len; k++)
				work[k] = (uint8_t)rng();
		}
		/* a few byte flips, truncations, insertions */
		int edits = 1 + (int)(rng() % 8);
		for (int e = 0; e < edits && len; e++) {
			switch (rng() % 4) {
			case 0:
				work[rng() % len] = (uint8_t)rng();
				break;
			case 1:
				len = rng() % (len + 1);
				break;
			case 2:
				if (len < FUZZ_MAX_INPUT) {
					size_t at = rng() % (len + 1);
					memmove(work + at + 1, work + at, len - at);
					work[at] = (uint8_t)rng();
					len++;
				}
				break;
			default:
				work[rng() % len] ^= (uint8_t)(1u << (rng() % 8));
				break;
			}
		}
		feed(work, len);
	}
	free(work);
	printf("fuzz: %zu seeds, %d mutations: 1 passed, 0 failed\n", nseeds, FUZZ_MUTATIONS);
	return 0;
}
