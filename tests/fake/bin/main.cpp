// The fake upstream as a program, for tests written in other languages (Node SDK, Codex CLI):
// prints "listening on http://127.0.0.1:PORT" and serves until stdin closes or SIGTERM.
#include "../fake_upstream.hpp"

#include <csignal>
#include <cstdio>
#include <iostream>
#include <unistd.h>

int main() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  airelays::fake::FakeUpstream fake;
  std::cout << "listening on " << fake.base_url() << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  fake.stop();
  return 0;
}
