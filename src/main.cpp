// A trampoline: everything happens in cli::run.
#include <airelays/cli.hpp>

int main(int argc, char** argv) { return airelays::cli::run(argc, argv); }
