// The kernel arguments shared by the optimizers of cpu::UpdateArgs, from a group's options.
#pragma once

#include "cpu/kernels.h"
#include "varbayes/optim.h"

namespace varbayes::optim {

template <class T>
cpu::UpdateArgs<T> update_args(const Options& o, Tensor& p, const Tensor& grad, double lr) {
  return {p.data<T>(), grad.data<T>(), p.numel(), lr, o.at("weight_decay"), o.at("maximize") != 0};
}

template <class T>
cpu::UpdateArgs<T> update_args(const Options& o, Tensor& p, const Tensor& grad) {
  return update_args<T>(o, p, grad, o.at("lr"));
}

}  // namespace varbayes::optim
