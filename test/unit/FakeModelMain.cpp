//===- FakeModelMain.cpp - Fake models as linked executables --------------===//
//
// Defines the generated object's symbols for one fake model, selected by
// FAKE_MODEL (1 fake-lm with embedded weights, 2 fake-lm with external
// weights, 3 fake-generic), so that linking it with libsinkrt.a gives an
// executable built exactly like a compiled model.
//
//===----------------------------------------------------------------------===//

#include "FakeModels.h"

// Declared first so the const definitions below get external linkage.
extern "C" {
extern const char sinkc_manifest[];
extern const unsigned char sinkc_weights[];
void sinkc_entry(void **args);

#if FAKE_MODEL == 1
const char sinkc_manifest[] = FAKE_LM_MANIFEST("embedded");
alignas(64) const
    unsigned char sinkc_weights[FAKE_WEIGHTS_SIZE] = {FAKE_WEIGHTS_BYTES};
void sinkc_entry(void **args) { fake::fakeLmEntry(args); }
#elif FAKE_MODEL == 2
const char sinkc_manifest[] = FAKE_LM_MANIFEST("external");
void sinkc_entry(void **args) { fake::fakeLmEntry(args); }
#elif FAKE_MODEL == 3
const char sinkc_manifest[] = FAKE_GENERIC_MANIFEST;
void sinkc_entry(void **args) { fake::fakeGenericEntry(args); }
#else
#error "FAKE_MODEL must be 1, 2 or 3"
#endif
}
