#include "CQNNPACKCPUInfo.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static uint64_t xgetbv0(void) {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((uint64_t)hi << 32) | lo;
}

uint32_t qnnps_detect_cpu_features(void) {
  unsigned a, b, c, d;
  uint32_t f = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
  if (d & (1u << 26)) f |= 1u << 0;  /* SSE2 */
  if (c & (1u << 9)) f |= 1u << 1;   /* SSSE3 */
  if (c & (1u << 19)) f |= 1u << 2;  /* SSE4.1 */
  /* AVX state must be enabled by the OS (XCR0), not only present in the CPU. */
  const int osxsave = (c >> 27) & 1;
  const uint64_t xcr0 = osxsave ? xgetbv0() : 0;
  const int ymm = (xcr0 & 0x6) == 0x6;
  const int zmm = (xcr0 & 0xe6) == 0xe6;
  if (ymm && (c & (1u << 28))) f |= 1u << 3;  /* AVX */
  if (ymm && (c & (1u << 12))) f |= 1u << 5;  /* FMA */
  unsigned max_leaf = __get_cpuid_max(0, 0);
  if (max_leaf >= 7) {
    __cpuid_count(7, 0, a, b, c, d);
    if (ymm && (b & (1u << 5))) f |= 1u << 4;        /* AVX2 */
    if (zmm && (b & (1u << 16))) f |= 1u << 6;       /* AVX512F */
    if (zmm && (b & (1u << 30))) f |= 1u << 7;       /* AVX512BW */
    if (zmm && (b & (1u << 31))) f |= 1u << 8;       /* AVX512VL */
    if (zmm && (c & (1u << 11))) f |= 1u << 9;       /* AVX512VNNI */
    __cpuid_count(7, 1, a, b, c, d);
    if (ymm && (a & (1u << 4))) f |= 1u << 10;       /* AVX-VNNI */
  }
  return f;
}
#else
uint32_t qnnps_detect_cpu_features(void) { return 0; }
#endif
