#include <iostream>
#include <string>
#include <vector>

#include "client/idctl/idctl.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return identity::idctl::RunIdctl(args, std::cin, std::cout, std::cerr);
}
