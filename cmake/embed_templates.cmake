# Writes a C++ source that holds every mail template of config/templates (NAME.subject,
# NAME.txt, NAME.html), sorted by file name, for the built-in copies.
# Usage: cmake -DTEMPLATES_DIR=... -DOUTPUT=... -P embed_templates.cmake
file(GLOB files RELATIVE "${TEMPLATES_DIR}" "${TEMPLATES_DIR}/*.subject" "${TEMPLATES_DIR}/*.txt"
     "${TEMPLATES_DIR}/*.html")
list(SORT files)
set(body "")
foreach(f IN LISTS files)
  if(NOT f MATCHES "^[a-z0-9_]+\\.(subject|txt|html)$")
    message(FATAL_ERROR "mail template file name must look like name.subject, name.txt or name.html: ${f}")
  endif()
  file(READ "${TEMPLATES_DIR}/${f}" text)
  if(text MATCHES "\\)imuse_tpl\"")
    message(FATAL_ERROR "${f} contains the raw-string delimiter )imuse_tpl\"")
  endif()
  string(APPEND body "      {\"${f}\", R\"imuse_tpl(${text})imuse_tpl\"},\n")
endforeach()
set(content "// Generated from config/templates by cmake/embed_templates.cmake. Do not edit.\n#include \"mail/templates.hpp\"\n\nnamespace imuse::mail {\n\nconst std::vector<std::pair<std::string_view, std::string_view>>& builtin_templates() {\n  static const std::vector<std::pair<std::string_view, std::string_view>> templates = {\n${body}  };\n  return templates;\n}\n\n}  // namespace imuse::mail\n")
include("${CMAKE_CURRENT_LIST_DIR}/write_if_changed.cmake")
write_if_changed("${OUTPUT}" "${content}")
