# write_if_changed(PATH CONTENT): writes CONTENT to PATH only when it differs from what PATH
# holds, so that an unrelated reconfigure rebuilds nothing. Included by the embed_*.cmake scripts.
function(write_if_changed path content)
  if(EXISTS "${path}")
    file(READ "${path}" old)
    if(old STREQUAL content)
      return()
    endif()
  endif()
  file(WRITE "${path}" "${content}")
endfunction()
