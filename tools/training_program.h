// The main() of a training program built on the library: register your own tasks with
// register_task (runtime/task.h), then hand the arguments here. The program then has
// `gossip`'s own `launch` and `peer`, with the same flags, --set and --help (one code
// path: tools/peer_command.cc), and `launch` starts copies of itself. See examples/custom_task/.
#pragma once

namespace gossip {

// Returns the exit status: 0, 2 for a usage or input error, 1 for an internal failure,
// 130 on interrupt; errors print as "PROGRAM: error: ...".
int training_program_main(int argc, char** argv);

}  // namespace gossip
