// Test-only: a TCP listener on a free 127.0.0.1 port that never answers. The
// kernel completes each connection's handshake and queues it; nothing ever
// reads or writes: a host that has stopped responding, without leaving the
// machine. Closing it resets the connections still queued.
#ifndef IDENTITY_TESTS_SUPPORT_SILENT_LISTENER_H_
#define IDENTITY_TESTS_SUPPORT_SILENT_LISTENER_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace identity::test_support {

class SilentListener {
 public:
  SilentListener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (fd_ < 0 ||
        bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        listen(fd_, 16) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      Close();
      return;
    }
    port_ = ntohs(address.sin_port);
  }
  ~SilentListener() { Close(); }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;

  // 0 if the listener could not be set up.
  int port() const { return port_; }

  // Stops listening: the connections still queued are reset.
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace identity::test_support

#endif  // IDENTITY_TESTS_SUPPORT_SILENT_LISTENER_H_
