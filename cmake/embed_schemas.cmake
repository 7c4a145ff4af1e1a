# Writes a C++ source that holds every XML schema of config/schemas (*.xsd, any depth), keyed by
# its path relative to that folder, so the tool validates its PES V2 and SEPA files without
# depending on where it is installed.
# Usage: cmake -DSCHEMAS_DIR=... -DOUTPUT=... -P embed_schemas.cmake
file(GLOB_RECURSE files RELATIVE "${SCHEMAS_DIR}" "${SCHEMAS_DIR}/*.xsd")
list(SORT files)
set(body "")
foreach(f IN LISTS files)
  file(READ "${SCHEMAS_DIR}/${f}" text)
  if(text MATCHES "\\)imuse_xsd\"")
    message(FATAL_ERROR "${f} contains the raw-string delimiter )imuse_xsd\"")
  endif()
  # g++ takes long raw strings, but keep each literal under 64 KiB by splitting it.
  set(chunks "")
  string(LENGTH "${text}" length)
  set(offset 0)
  while(offset LESS length)
    string(SUBSTRING "${text}" ${offset} 30000 piece)
    string(APPEND chunks "R\"imuse_xsd(${piece})imuse_xsd\"\n")
    math(EXPR offset "${offset} + 30000")
  endwhile()
  string(APPEND body "      {\"${f}\", std::string_view(\n${chunks})},\n")
endforeach()
set(content "// Generated from config/schemas by cmake/embed_schemas.cmake. Do not edit.\n#include \"util/xml.hpp\"\n\nnamespace imuse::xml {\n\nconst std::vector<std::pair<std::string_view, std::string_view>>& builtin_schemas() {\n  static const std::vector<std::pair<std::string_view, std::string_view>> schemas = {\n${body}  };\n  return schemas;\n}\n\n}  // namespace imuse::xml\n")
include("${CMAKE_CURRENT_LIST_DIR}/write_if_changed.cmake")
write_if_changed("${OUTPUT}" "${content}")
