# Homebrew formula for airelays (a tap formula; the url/sha256 are filled in per release).
#
# Dependencies: Homebrew's cpp-httplib is
# header-only and only needed to build (CMake picks its multipart API from the found version,
# AIRELAYS_HTTPLIB_FORM_API, so nothing here has to guess); its CMake config needs OpenSSL, so
# openssl@3 is our own dependency; tomlplusplus ships a dylib, so it is needed at run time.
# On Linux the relay's HTTP server (everything that uses httplib) is a module of its own,
# lib/airelays/airelays-httpd.so, that `serve` and `login` load (`cmake --install` puts it
# there), and libcrypto is opened on first use (src/io/crypto_loader.cpp); on macOS both are
# linked into the binary.
class Airelays < Formula
  desc "Local OpenAI-compatible relay for your ChatGPT subscription"
  homepage "https://example.invalid/airelays"
  url "https://example.invalid/airelays-0.1.0.tar.gz"
  sha256 "0000000000000000000000000000000000000000000000000000000000000000"
  license "MIT"
  head "https://example.invalid/airelays.git", branch: "main"

  depends_on "cli11" => :build
  depends_on "cmake" => :build
  depends_on "cpp-httplib" => :build # header-only in Homebrew
  depends_on "help2man" => :build    # the man page is generated from --help
  depends_on "nlohmann-json" => :build
  depends_on "pkgconf" => :build
  depends_on "openssl@3"
  depends_on "tomlplusplus"

  uses_from_macos "curl" # linked on macOS; on Linux opened at run time (src/io/curl_loader.cpp)
  uses_from_macos "zlib"

  on_linux do
    depends_on "libsecret" # macOS keeps the login in the Keychain (Security.framework)
  end

  def install
    args = %W[
      -DAIRELAYS_BUILD_TESTS=OFF
      -DAIRELAYS_BASH_COMPLETION_DIR=#{bash_completion}
      -DAIRELAYS_ZSH_COMPLETION_DIR=#{zsh_completion}
      -DAIRELAYS_FISH_COMPLETION_DIR=#{fish_completion}
    ]
    system "cmake", "-S", ".", "-B", "build", *args, *std_cmake_args
    system "cmake", "--build", "build"
    system "cmake", "--install", "build"
  end

  service do # brew services: a launchd agent on macOS, a systemd user unit on Linux
    run [opt_bin/"airelays", "serve"]
    keep_alive successful_exit: false
    log_path var/"log/airelays.log"
    error_log_path var/"log/airelays.log"
  end

  def caveats
    <<~EOS
      Sign in once, then start the relay:
        airelays login            # or: airelays login --device on a headless machine
        brew services start airelays
      Clients use http://127.0.0.1:PORT/v1 with the token from `airelays token show`.
    EOS
  end

  test do
    assert_match version.to_s, shell_output("#{bin}/airelays --version")
    assert_match "rotate", shell_output("#{bin}/airelays __complete -- token ''")
    assert_predicate lib/"airelays/airelays-httpd.so", :exist? if OS.linux?

    # The sandbox has no keyring and no network: serve relies on the 0600 file fallback.
    port = free_port
    pid = spawn bin/"airelays", "serve", "--port", port.to_s
    begin
      output = ""
      20.times do
        output = shell_output("curl -s http://127.0.0.1:#{port}/healthz 2>&1 || true")
        break if output.include?("ok")

        sleep 0.5
      end
      assert_match "ok", output
    ensure
      Process.kill("TERM", pid)
      Process.wait(pid)
    end
  end
end
