// The main() of a training program built on the library: register your own tasks with
// register_task (runtime/task.h), then hand the arguments here. The program then runs
// like `gossip`'s own two training commands, and `launch` starts copies of itself:
//   PROGRAM launch FILE [--run-dir DIR] [--resume] [--plaintext]
//   PROGRAM peer FILE [--id I] [--key KEY] [--run-dir DIR] [--resume [--resume-round R]] [--plaintext]
// Training settings come from the file's `training` section. See examples/custom_task/.
#pragma once

namespace gossip {

// Returns the exit status; prints errors as "PROGRAM: error: ..." (2 for bad input).
int training_program_main(int argc, char** argv);

}  // namespace gossip
