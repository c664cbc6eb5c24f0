// The metrics library: values, labels, the exact exposition text, bad names,
// and increments from many threads at once losing nothing.
#include "server/metrics/metrics.h"

#include <thread>

#include "gtest/gtest.h"

namespace identity::metrics {
namespace {

TEST(MetricsTest, CountersAndGaugesWithLabels) {
  Registry registry;
  auto* issued = *BuildCounter()
                      .Name("identity_tokens_issued_total")
                      .Help("Access tokens issued.")
                      .Register(registry);
  auto* in_use = *BuildGauge()
                      .Name("identity_db_pool_in_use")
                      .Help("Connections on loan.")
                      .Register(registry);
  issued->Get({{"grant_type", "client_credentials"}, {"client_id", "a"}})
      .Increment();
  Counter& b = issued->Get(
      {{"grant_type", "client_credentials"}, {"client_id", "b\"q\\\n"}});
  b.Increment(2);
  b.Increment(-5);  // Ignored: counters only go up.
  Gauge& gauge = in_use->Get({});
  gauge.Set(3);
  gauge.Decrement();
  gauge.Increment(0.5);
  EXPECT_EQ(registry.Serialize(),
            "# HELP identity_tokens_issued_total Access tokens issued.\n"
            "# TYPE identity_tokens_issued_total counter\n"
            "identity_tokens_issued_total{client_id=\"a\",grant_type=\""
            "client_credentials\"} 1\n"
            "identity_tokens_issued_total{client_id=\"b\\\"q\\\\\\n\","
            "grant_type=\"client_credentials\"} 2\n"
            "# HELP identity_db_pool_in_use Connections on loan.\n"
            "# TYPE identity_db_pool_in_use gauge\n"
            "identity_db_pool_in_use 2.5\n");
  // The same labels give the same metric.
  EXPECT_EQ(
      &issued->Get({{"client_id", "a"}, {"grant_type", "client_credentials"}}),
      &issued->Get({{"grant_type", "client_credentials"}, {"client_id", "a"}}));
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  Registry registry;
  auto* latency = *BuildHistogram()
                       .Name("grpc_server_handling_seconds")
                       .Help("Latency.\\n")
                       .Buckets({0.1, 1})
                       .Register(registry);
  Histogram& h = latency->Get({{"grpc_method", "Token"}});
  h.Observe(0.05);
  h.Observe(0.1);  // le is inclusive.
  h.Observe(0.5);
  h.Observe(7);
  EXPECT_EQ(registry.Serialize(),
            "# HELP grpc_server_handling_seconds Latency.\\\\n\n"
            "# TYPE grpc_server_handling_seconds histogram\n"
            "grpc_server_handling_seconds_bucket{grpc_method=\"Token\",le="
            "\"0.1\"} 2\n"
            "grpc_server_handling_seconds_bucket{grpc_method=\"Token\",le="
            "\"1\"} 3\n"
            "grpc_server_handling_seconds_bucket{grpc_method=\"Token\",le="
            "\"+Inf\"} 4\n"
            "grpc_server_handling_seconds_sum{grpc_method=\"Token\"} 7.65\n"
            "grpc_server_handling_seconds_count{grpc_method=\"Token\"} 4\n");
  EXPECT_EQ(DefaultLatencyBuckets().size(), 11u);
}

TEST(MetricsTest, RefusesBadNamesAndBuckets) {
  Registry registry;
  for (const char* bad : {"", "1abc", "with-dash", "sp ace", "é"}) {
    EXPECT_FALSE(BuildCounter().Name(bad).Register(registry).ok()) << bad;
  }
  EXPECT_TRUE(BuildCounter().Name("ns:sub_total").Register(registry).ok());
  EXPECT_FALSE(BuildGauge().Name("ns:sub_total").Register(registry).ok())
      << "a name registered twice";
  for (const std::vector<double>& bad :
       std::vector<std::vector<double>>{{}, {1, 0.5}, {1, 1}, {1, INFINITY}}) {
    EXPECT_FALSE(
        BuildHistogram().Name("h").Buckets(bad).Register(registry).ok());
  }
  auto* family = *BuildCounter().Name("c_total").Register(registry);
  EXPECT_FALSE(family->Add({{"__reserved", "x"}}).ok());
  EXPECT_FALSE(family->Add({{"1x", "x"}}).ok());
  auto* histogram = *BuildHistogram().Name("h2").Register(registry);
  EXPECT_FALSE(histogram->Add({{"le", "1"}}).ok()) << "le is the bucket label";
}

TEST(MetricsTest, NumbersUsePrometheusSyntax) {
  Registry registry;
  auto* g = *BuildGauge().Name("g").Help("").Register(registry);
  g->Get({{"k", "big"}}).Set(12345678901234.0);
  g->Get({{"k", "frac"}}).Set(0.1 + 0.2);
  g->Get({{"k", "inf"}}).Set(-INFINITY);
  g->Get({{"k", "nan"}}).Set(NAN);
  const std::string text = registry.Serialize();
  EXPECT_NE(text.find("g{k=\"big\"} 12345678901234\n"), std::string::npos);
  EXPECT_NE(text.find("g{k=\"frac\"} 0.30000000000000004\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("g{k=\"inf\"} -Inf\n"), std::string::npos);
  EXPECT_NE(text.find("g{k=\"nan\"} NaN\n"), std::string::npos);
}

TEST(MetricsTest, ConcurrentUpdatesLoseNothing) {
  Registry registry;
  auto* c = *BuildCounter().Name("c_total").Register(registry);
  auto* h = *BuildHistogram().Name("h").Buckets({1}).Register(registry);
  Counter& counter = c->Get({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      Histogram& histogram = h->Get({{"t", std::to_string(t % 2)}});
      for (int i = 0; i < 20'000; ++i) {
        counter.Increment();
        histogram.Observe(i % 2 == 0 ? 0.5 : 2);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter.Value(), 160'000);
  const Histogram& h0 = h->Get({{"t", "0"}});
  EXPECT_EQ(h0.Count(), 80'000u);
  EXPECT_EQ(h0.BucketCounts(), (std::vector<uint64_t>{40'000, 40'000}));
  EXPECT_EQ(h0.Sum(), 40'000 * 0.5 + 40'000 * 2.0);
}

TEST(MetricsTest, CollectHooksRunBeforeEachSerialization) {
  Registry registry;
  Gauge& age =
      MustRegister(
          BuildGauge().Name("age_seconds").Help("Age.").Register(registry))
          ->Get({});
  int runs = 0;
  registry.AddCollectHook([&] { age.Set(++runs * 10); });
  EXPECT_NE(registry.Serialize().find("age_seconds 10\n"), std::string::npos);
  EXPECT_NE(registry.Serialize().find("age_seconds 20\n"), std::string::npos);
  EXPECT_EQ(runs, 2);
}

TEST(MetricsTest, SeriesByValuesFindsTheSameSeriesForTheSameValues) {
  Registry registry;
  auto* family = MustRegister(
      BuildCounter().Name("issued_total").Help("Issued.").Register(registry));
  SeriesByValues<Counter> issued(family, {"grant_type", "client_id"});
  issued.With({"client_credentials", "a"}).Increment();
  issued.With({"client_credentials", "a"}).Increment();
  // The separator keeps ("ab", "") and ("a", "b") apart.
  issued.With({"client_credentials", "ab"}).Increment();
  issued.With({"client_credentialsa", "b"}).Increment();
  EXPECT_EQ(
      &issued.With({"client_credentials", "a"}),
      &family->Get({{"grant_type", "client_credentials"}, {"client_id", "a"}}));
  EXPECT_EQ(issued.With({"client_credentials", "a"}).Value(), 2);
  EXPECT_EQ(issued.With({"client_credentials", "ab"}).Value(), 1);
  const std::string text = registry.Serialize();
  EXPECT_NE(text.find("issued_total{client_id=\"a\",grant_type=\"client_"
                      "credentials\"} 2\n"),
            std::string::npos)
      << text;

  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10'000; ++i) {
        issued.With({"g", std::to_string((t + i) % 7)}).Increment();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  double total = 0;
  for (int c = 0; c < 7; ++c) {
    total += issued.With({"g", std::to_string(c)}).Value();
  }
  EXPECT_EQ(total, 40'000);
}

}  // namespace
}  // namespace identity::metrics
