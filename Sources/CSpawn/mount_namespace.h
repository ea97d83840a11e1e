#pragma once
#include "corral_spawn.h"

/// Performs request->mounts in the child's new mount namespace, then moves root_directory to /
/// (if set) and sets mount_propagation. Returns 0, or -errno with *failed set to the entry that
/// failed (-1: none in particular). Child only.
int corral_setup_mounts(const struct corral_spawn_request *request, int *failed);
