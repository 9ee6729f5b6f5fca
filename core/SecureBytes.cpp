#include "core/SecureBytes.h"

#include <cstring>
#include <string.h>  // explicit_bzero
#include <sys/mman.h>

namespace imprint {

namespace {
void lockPages(char* data, std::size_t size)
{
    // Best effort: a failed mlock (RLIMIT_MEMLOCK) leaves the secret swappable, not lost.
    if (size > 0)
        static_cast<void>(mlock(data, size));
}
}  // namespace

SecureBytes::SecureBytes(std::size_t size)
    : m_data(std::make_unique<char[]>(size + 1)), m_size(size), m_capacity(size + 1)
{
    lockPages(m_data.get(), m_capacity);
}

SecureBytes::SecureBytes(const char* data, std::size_t size) : SecureBytes(size)
{
    if (size > 0)
        std::memcpy(m_data.get(), data, size);
}

SecureBytes::SecureBytes(SecureBytes&& other) noexcept
    : m_data(std::move(other.m_data)), m_size(other.m_size), m_capacity(other.m_capacity)
{
    other.m_size = 0;
    other.m_capacity = 0;
}

SecureBytes& SecureBytes::operator=(SecureBytes&& other) noexcept
{
    if (this != &other) {
        release();
        m_data = std::move(other.m_data);
        m_size = other.m_size;
        m_capacity = other.m_capacity;
        other.m_size = 0;
        other.m_capacity = 0;
    }
    return *this;
}

SecureBytes::~SecureBytes()
{
    release();
}

void SecureBytes::chopLineEnding()
{
    while (m_size > 0 && (m_data[m_size - 1] == '\n' || m_data[m_size - 1] == '\r')) {
        m_data[m_size - 1] = '\0';
        --m_size;
    }
}

void SecureBytes::wipe()
{
    if (m_data)
        explicit_bzero(m_data.get(), m_capacity);
    m_size = 0;
}

void SecureBytes::release()
{
    if (m_data) {
        explicit_bzero(m_data.get(), m_capacity);
        munlock(m_data.get(), m_capacity);
        m_data.reset();
    }
    m_size = 0;
    m_capacity = 0;
}

}  // namespace imprint
