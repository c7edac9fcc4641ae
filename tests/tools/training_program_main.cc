// A training program of one's own, as examples/custom_task builds it: the library's main
// with no task added, so tests can check it has gossip's command line.
#include "tools/training_program.h"

int main(int argc, char** argv) { return gossip::training_program_main(argc, argv); }
