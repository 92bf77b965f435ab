# ctest driver: install this build into a scratch prefix, then configure, build and run the
# standalone project examples/cpp against it with find_package (as a user would). The run saves the
# trained model to example-build/bnn_regression.vb, which tests/test_cpp_checkpoint.py loads in Python.
set(prefix ${BUILD_DIR}/example-install)
set(example_build ${BUILD_DIR}/example-build)
file(REMOVE_RECURSE ${prefix} ${example_build})
foreach(step
    "${CMAKE_COMMAND};--install;${BUILD_DIR};--prefix;${prefix}"
    "${CMAKE_COMMAND};-S;${SOURCE_DIR}/examples/cpp;-B;${example_build};-DCMAKE_PREFIX_PATH=${prefix};-DCMAKE_BUILD_TYPE=Release"
    "${CMAKE_COMMAND};--build;${example_build};-j2"
    "${example_build}/bnn_regression;${example_build}/bnn_regression.vb")
  execute_process(COMMAND ${step} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "step failed (${rc}): ${step}")
  endif()
endforeach()
