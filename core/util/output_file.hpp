#pragma once
// Output files written whole or not at all.
#include <functional>
#include <ostream>
#include <string>

namespace imuse {

// Calls `write` on "<path>.tmp-<pid>", then renames it over `path`: a failed or interrupted
// export never leaves half a file. OutputError when the file cannot be written; an exception
// from `write` removes the temporary file and goes on.
void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write);

}  // namespace imuse
