/* FUZZ_CHECK(cond, fmt, ...): an invariant of a fuzz target.  On failure
 * the message goes through the sanitizer's report stream (which libFuzzer
 * keeps open even under -close_fd_mask=2, see tests/fuzz/run.sh) and the
 * process aborts, so libFuzzer saves the input as a crash. */
#ifndef CLCONV_FUZZ_CHECK_H
#define CLCONV_FUZZ_CHECK_H
#include <sanitizer/common_interface_defs.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond, ...)                                                          \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            char fuzz_msg_[1024];                                                      \
            int fuzz_k_ = snprintf(fuzz_msg_, sizeof fuzz_msg_, "%s:%d: %s: ",         \
                                   __FILE__, __LINE__, #cond);                         \
            if (fuzz_k_ > 0 && (size_t)fuzz_k_ < sizeof fuzz_msg_)                     \
                snprintf(fuzz_msg_ + fuzz_k_, sizeof fuzz_msg_ - (size_t)fuzz_k_,      \
                         __VA_ARGS__);                                                 \
            __sanitizer_report_error_summary(fuzz_msg_);                               \
            abort();                                                                   \
        }                                                                              \
    } while (0)

#endif
