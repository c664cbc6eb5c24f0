// Test-only: a raw HTTP/1.1 client over a loopback socket, to send exactly
// the bytes a test wants (malformed requests, trickling clients) and read
// responses back.
#ifndef IDENTITY_SERVER_HTTP_TESTING_RAW_HTTP_H_
#define IDENTITY_SERVER_HTTP_TESTING_RAW_HTTP_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <string>

namespace identity::server::testing {

// A connected loopback socket, closed on destruction.
class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address),
                         sizeof(address)) == 0;
    timeval timeout{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  }
  ~RawConnection() { close(fd_); }

  bool connected() const { return connected_; }
  bool Send(const std::string& bytes) {
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // One response: headers, then Content-Length bytes of body (none for
  // HEAD). Empty if the server closed first.
  std::string ReadResponse(bool head = false) {
    while (true) {
      const size_t end = buffer_.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t length = 0;
        const size_t at =
            Lower(buffer_.substr(0, end)).find("content-length: ");
        if (at != std::string::npos && !head) {
          length = std::stoul(buffer_.substr(at + 16));
        }
        if (buffer_.size() >= end + 4 + length) {
          std::string response = buffer_.substr(0, end + 4 + length);
          buffer_.erase(0, end + 4 + length);
          return response;
        }
      }
      if (!Fill()) return "";
    }
  }
  // Whether the server closed the connection (within the receive timeout).
  bool ClosedByServer() {
    while (Fill()) {
    }
    return closed_;
  }

 private:
  static std::string Lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(c));
    return s;
  }
  bool Fill() {
    char chunk[4096];
    const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    // An orderly close, or a reset: a server that closes while the client is
    // still sending makes its kernel answer the late bytes with RST.
    if (n == 0 || (n < 0 && errno == ECONNRESET)) closed_ = true;
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  const int fd_;
  bool connected_ = false;
  bool closed_ = false;
  std::string buffer_;
};

inline int StatusOf(const std::string& response) {
  return response.size() > 12 ? std::stoi(response.substr(9, 3)) : 0;
}

}  // namespace identity::server::testing

#endif  // IDENTITY_SERVER_HTTP_TESTING_RAW_HTTP_H_
