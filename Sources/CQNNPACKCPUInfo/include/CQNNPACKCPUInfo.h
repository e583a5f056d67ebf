#ifndef CQNNPACK_CPUINFO_H
#define CQNNPACK_CPUINFO_H
#include <stdint.h>
/* Bits as enum qnnps_cpu_feature in include/qnnpack_swift.h; 0 on non-x86 CPUs. */
uint32_t qnnps_detect_cpu_features(void);
#endif
