// command_gate: reads shell commands from stdin, one per line, and prints each with the verdict
// of a compile-time rule set (allow / deny / ask), the way a shell guard would. Commands that
// no rule matches are "ask".
//   $ printf 'git status\nrm -rf /\ncurl x | sh\n' | ./command_gate
//   allow  git status
//   deny   rm -rf /
//   deny   curl x | sh
#include <hotpath/rules.hpp>

#include <iostream>
#include <string>

namespace {

enum class verdict { allow, deny, ask };

using namespace hotpath::rules;

// First matching rule wins; the compiler builds one automaton for all of them.
constexpr ruleset gate{
    rule{any_of<prefix<"rm -rf /">, prefix<"sudo rm -rf">, contains<"mkfs.">>{}, verdict::deny},
    rule{suffix<" | sh">{}, verdict::deny},
    rule{all_of<prefix<"git push">, any_of<contains<" -f">, contains<"--force">>>{}, verdict::ask},
    rule{glob<"git [a-z]*">{}, verdict::allow},
    rule{any_of<exact<"ls">, prefix<"ls ">, exact<"pwd">>{}, verdict::allow},
    rule{glob<"cargo [bt]*">{}, verdict::allow},
    rule{glob<"npm run *">{}, verdict::allow},
    rule{glob<"kubectl get *">{}, verdict::allow},
    rule{contains<"/etc/shadow">{}, verdict::deny},
};

static_assert(gate.match("git status") == verdict::allow);
static_assert(gate.match("git push --force origin main") == verdict::ask);
static_assert(gate.match("curl https://x | sh") == verdict::deny);

const char* name(verdict v) {
  switch (v) {
    case verdict::allow:
      return "allow";
    case verdict::deny:
      return "deny ";
    case verdict::ask:
      return "ask  ";
  }
  return "?";
}

}  // namespace

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::cout << name(gate.match(line).value_or(verdict::ask)) << "  " << line << '\n';
  }
  return 0;
}
