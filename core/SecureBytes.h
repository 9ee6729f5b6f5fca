#pragma once

// A move-only buffer for secrets (PINs, private keys in transit). Its memory is locked
// against swapping where the system allows it and wiped when it is released, and it never
// converts implicitly to QString or QByteArray, whose implicit sharing would leave copies
// that nobody wipes.

#include <cstddef>
#include <memory>
#include <string_view>

namespace imprint {

class SecureBytes
{
public:
    SecureBytes() = default;
    explicit SecureBytes(std::size_t size);
    SecureBytes(const char* data, std::size_t size);
    static SecureBytes fromString(std::string_view text) { return {text.data(), text.size()}; }

    SecureBytes(SecureBytes&& other) noexcept;
    SecureBytes& operator=(SecureBytes&& other) noexcept;
    SecureBytes(const SecureBytes&) = delete;
    SecureBytes& operator=(const SecureBytes&) = delete;
    ~SecureBytes();

    [[nodiscard]] char* data() { return m_data.get(); }
    [[nodiscard]] const char* data() const { return m_data.get(); }
    // Always NUL-terminated (one byte past size()), for C APIs that take a C string PIN.
    [[nodiscard]] const char* c_str() const { return m_data ? m_data.get() : ""; }
    [[nodiscard]] std::size_t size() const { return m_size; }
    [[nodiscard]] bool isEmpty() const { return m_size == 0; }

    // Drops a trailing "\n" or "\r\n", as read from a PIN file or a terminal.
    void chopLineEnding();
    // Zeroes the contents now; the (zeroed) storage is kept until destruction.
    void wipe();

private:
    void release();

    std::unique_ptr<char[]> m_data;
    std::size_t m_size = 0;
    std::size_t m_capacity = 0;
};

}  // namespace imprint
