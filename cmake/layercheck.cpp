// Links one layer library whole (every object file) into a program, so an undefined
// reference to a library the layer may not use (curl in core, ...) fails the build.
int main() { return 0; }
