// Checkpoints of modules in the format of Python's vb.save / vb.load (python/varbayes/io.py): the
// magic "VARBAYES", a uint32 format version, a uint64 header length, a UTF-8 JSON header, the raw
// little-endian array bytes and a SHA-256 of everything before it. A file written here loads in
// Python and the other way round; submodules shared within the model (a prior used by several
// layers) are stored once and stay shared. Only the built-in C++ module types (Sequential,
// Linear, the activations, Dropout, BayesLinear, BayesLinearLRT, NormalPrior) can be saved or
// built in C++; modules defined in Python load only in Python.
#pragma once

#include <memory>
#include <string>

#include "varbayes/nn.h"

namespace varbayes {

// Writes m (architecture, parameters, buffers, train mode) to path through a temporary file in the
// same directory that is flushed to disk and renamed; TypeError for a module type C++ cannot save.
void save(const std::shared_ptr<nn::Module>& m, const std::string& path);
// Rebuilds the module saved in path; ValueError for a foreign, truncated, corrupted or malformed file
// or a module type C++ cannot build (the message names it); RuntimeError when the file cannot be read.
std::shared_ptr<nn::Module> load_module(const std::string& path);

}  // namespace varbayes
