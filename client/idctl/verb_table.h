// Every idctl verb in one table: its command path, its flags and arguments,
// a one-line help, and its handler. Flag validation (command_line.h) and the
// `idctl help` text are generated from it; docs/idctl.md describes each verb.
#ifndef IDENTITY_CLIENT_IDCTL_VERB_TABLE_H_
#define IDENTITY_CLIENT_IDCTL_VERB_TABLE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "client/idctl/command_line.h"
#include "client/idctl/console.h"

namespace identity::idctl {

// Where a verb works, which decides the flags it takes besides its own.
enum class VerbKind {
  kOffline,  // Files and standard input only.
  kServer,   // Calls identity-server: --server ADDR [--tls-ca PEM_FILE]
             // [--timeout SECONDS].
  kAdmin,    // kServer, plus AUTH: [--token TOKEN] [--client-id ID]
             // [--client-secret SECRET] (admin_session.h).
};

// Runs a verb on its validated command line; returns the exit status.
using VerbHandler = int (*)(const ParsedArgs& args, Console& console);

struct Verb {
  VerbKind kind;
  // Its own flags and arguments; VerbTable() adds the kind's flags.
  CommandSpec spec;
  absl::string_view help;  // One line.
  VerbHandler handler;
  // When not empty, this entry is chosen only when --selector is given, and
  // the entry with the same path without a selector only when it is not
  // (`keys jwks KEY_FILE...` and `keys jwks --server ADDR`).
  absl::string_view selector = "";
};

// `verb`'s spec with the flags of its kind added: what its command line is
// parsed against.
CommandSpec FullSpec(const Verb& verb);

// The table, in the order `idctl help` lists it. Built once; immutable and
// thread-safe.
const std::vector<Verb>& VerbTable();

// The verb `args` (the whole command line, without the program name) names,
// and in *path_words how many leading words its path took; nullptr when none.
const Verb* FindVerb(const std::vector<std::string>& args, size_t* path_words);

// "idctl PATH FLAGS... ARGS" for `verb`, with AUTH for the admin flags.
std::string Synopsis(const Verb& verb);

// The `idctl help` text: every verb of the table with its synopsis and help,
// then what the verbs share.
std::string UsageText();

}  // namespace identity::idctl

#endif  // IDENTITY_CLIENT_IDCTL_VERB_TABLE_H_
