// libFuzzer target: what a browser or client sends the HTTP front door and
// the front door parses itself: form and query strings, Cookie headers, the
// session cookie, ui_locales and Accept-Language. Properties beyond "no
// crash": HTML escaping leaves no markup character; a session decodes only
// when made by Encode; a message's argument reaches its text unchanged.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "server/http/form.h"
#include "server/http/page_messages.h"
#include "server/http/session.h"
#include "server/oauth/form_urlencoded.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace identity::server;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  (void)ParseFormUrlEncoded(text);
  (void)ParseCookies(text);
  const std::string escaped = HtmlEscape(text);
  if (escaped.find_first_of("<>\"'") != std::string::npos) __builtin_trap();
  static const SessionCodec* const codec =
      new SessionCodec(std::string(32, 'k'));
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  auto session = codec->Decode(text, now);
  if (session.ok() && codec->Encode(*session) != text) __builtin_trap();
  (void)ChooseLocale(text, text);
  const std::string message =
      Format(Locale::kEnglish, Msg::kContinueTo, {std::string(text)});
  if (message != "to continue to " + std::string(text)) __builtin_trap();
  return 0;
}
