// Test-only: a self-signed TLS certificate for "localhost" (P-256, valid for
// an hour around now), as PEM, for servers under test.
#ifndef IDENTITY_CLIENT_INTERCEPTOR_TESTING_SELF_SIGNED_CERT_H_
#define IDENTITY_CLIENT_INTERCEPTOR_TESTING_SELF_SIGNED_CERT_H_

#include <grpcpp/security/server_credentials.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <string>

namespace identity::interceptor::testing {

// A self-signed certificate (P-256), PEM key and cert, with CN "localhost"
// and the subjectAltName `san` (OpenSSL's syntax: "DNS:localhost",
// "IP:127.0.0.1"). Being self-signed, the certificate is its own CA.
inline grpc::SslServerCredentialsOptions::PemKeyCertPair SelfSignedCert(
    const char* san) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* alt_name =
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san);
  X509_add_ext(cert, alt_name, -1);
  X509_EXTENSION_free(alt_name);
  X509_sign(cert, key, EVP_sha256());
  const auto pem = [](auto write) {
    BIO* bio = BIO_new(BIO_s_mem());
    write(bio);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    std::string out(data, size);
    BIO_free(bio);
    return out;
  };
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  pair.private_key = pem([key](BIO* bio) {
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  });
  pair.cert_chain = pem([cert](BIO* bio) { PEM_write_bio_X509(bio, cert); });
  X509_free(cert);
  EVP_PKEY_free(key);
  return pair;
}

// A self-signed certificate for "localhost" (P-256), PEM key and cert.
inline grpc::SslServerCredentialsOptions::PemKeyCertPair SelfSignedLocalhost() {
  return SelfSignedCert("DNS:localhost");
}

}  // namespace identity::interceptor::testing

#endif  // IDENTITY_CLIENT_INTERCEPTOR_TESTING_SELF_SIGNED_CERT_H_
