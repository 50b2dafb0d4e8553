# Imports the llama.cpp build that scripts/build_llama.sh made in the cache
# (static libraries of one pinned commit) as the target agentcoder::llama.
# LLAMA_CPP_SRC and LLAMA_CPP_BUILD are passed by scripts/setup.sh.
set(LLAMA_CPP_SRC "" CACHE PATH "llama.cpp source tree (scripts/fetch_llama.sh)")
set(LLAMA_CPP_BUILD "" CACHE PATH "llama.cpp build tree (scripts/build_llama.sh)")

if(NOT EXISTS "${LLAMA_CPP_SRC}/include/llama.h" OR NOT EXISTS "${LLAMA_CPP_BUILD}/src/libllama.a")
  message(WARNING "llama.cpp not found (LLAMA_CPP_SRC='${LLAMA_CPP_SRC}', "
                  "LLAMA_CPP_BUILD='${LLAMA_CPP_BUILD}'); run scripts/setup.sh. "
                  "Building without the engine.")
  return()
endif()

find_package(OpenMP REQUIRED)
set(_llama_libs
  common/libllama-common.a common/libllama-common-base.a vendor/cpp-httplib/libcpp-httplib.a
  src/libllama.a ggml/src/libggml.a ggml/src/libggml-cpu.a)
if(AGENTCODER_CUDA)
  list(APPEND _llama_libs ggml/src/ggml-cuda/libggml-cuda.a)
endif()
list(APPEND _llama_libs ggml/src/libggml-base.a)

add_library(agentcoder_llama INTERFACE)
add_library(agentcoder::llama ALIAS agentcoder_llama)
foreach(lib ${_llama_libs})
  if(NOT EXISTS "${LLAMA_CPP_BUILD}/${lib}")
    message(FATAL_ERROR "llama.cpp build lacks ${lib}; rerun scripts/build_llama.sh")
  endif()
  target_link_libraries(agentcoder_llama INTERFACE "${LLAMA_CPP_BUILD}/${lib}")
endforeach()
target_include_directories(agentcoder_llama SYSTEM INTERFACE
  ${LLAMA_CPP_SRC}/include ${LLAMA_CPP_SRC}/ggml/include ${LLAMA_CPP_SRC}/common ${LLAMA_CPP_SRC}/vendor)
target_link_libraries(agentcoder_llama INTERFACE OpenMP::OpenMP_CXX Threads::Threads ${CMAKE_DL_LIBS})
if(AGENTCODER_CUDA)
  find_package(CUDAToolkit REQUIRED)
  target_link_libraries(agentcoder_llama INTERFACE CUDA::cudart CUDA::cublas CUDA::cublasLt CUDA::cuda_driver)
  # ggml-cuda uses NCCL for multi-GPU when the toolkit machine has it.
  file(STRINGS "${LLAMA_CPP_BUILD}/CMakeCache.txt" _nccl REGEX "^NCCL_LIBRARY:FILEPATH=.+")
  if(_nccl)
    string(REGEX REPLACE "^NCCL_LIBRARY:FILEPATH=" "" _nccl "${_nccl}")
    target_link_libraries(agentcoder_llama INTERFACE "${_nccl}")
  endif()
endif()
set(AGENTCODER_HAVE_LLAMA ON)
