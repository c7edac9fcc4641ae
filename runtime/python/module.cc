// gossip._gossip: the runtime's ScriptPeer (runtime/script_peer.h) for Python. The model is
// a float32 NumPy array the script owns (a torch tensor's .numpy() shares its memory), used
// in place: nothing is copied. The network work runs with the GIL released, so the script's
// other threads go on meanwhile; the callbacks the rule calls take it back. Errors reach
// Python with the CLI's message: ConfigError (a ValueError) for bad settings, files and
// keys, RuntimeError for the rest.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/config_error.h"
#include "runtime/script_peer.h"
#include "runtime/training_config.h"

namespace py = pybind11;

namespace gossip {
namespace {

using FloatArray = py::array_t<float, py::array::c_style>;

// The array's own memory, writable and contiguous float32, or a TypeError saying what it is.
std::span<float> model_of(py::array& array) {
  if (!py::isinstance<FloatArray>(array) || !(array.flags() & py::array::c_style) || !array.writeable()) {
    throw py::type_error("the model must be one writable, contiguous float32 array (got " +
                         std::string(py::str(array.dtype())) + ", " + std::to_string(array.ndim()) +
                         " dimension(s)); gossip.Peer flattens torch parameters into one for you");
  }
  return {static_cast<float*>(array.mutable_data()), static_cast<std::size_t>(array.size())};
}

// A NumPy view of runtime memory for a callback, valid while the callback runs (a base
// object makes pybind11 share the memory instead of copying it); read-only where the
// runtime's is.
py::array view_of(std::span<const float> values, bool writable) {
  py::array view(py::dtype::of<float>(), {values.size()}, {sizeof(float)}, values.data(), py::none());
  if (!writable) view.attr("flags").attr("writeable") = false;
  return view;
}

std::optional<double> optional_number(const py::object& value) {
  if (value.is_none()) return std::nullopt;
  return value.cast<double>();
}

ScriptRoundInput round_input(const py::object& loss, const py::object& train_accuracy, const py::object& step,
                             const py::object& gradient, const py::object& evaluate) {
  ScriptRoundInput input;
  input.loss = optional_number(loss);
  input.train_accuracy = optional_number(train_accuracy);
  // Each callback runs with the GIL; a Python exception it raises goes back through the
  // round as pybind11's error_already_set and reaches the script unchanged.
  if (!step.is_none()) {
    input.step = [step](std::span<float> model) {
      py::gil_scoped_acquire gil;
      step(view_of(model, true));
    };
  }
  if (!gradient.is_none()) {
    input.gradient = [gradient](std::span<const float> at, std::span<float> out) {
      py::gil_scoped_acquire gil;
      gradient(view_of(at, false), view_of(out, true));
    };
  }
  if (!evaluate.is_none()) {
    input.evaluate = [evaluate] {
      py::gil_scoped_acquire gil;
      const py::dict numbers = evaluate();
      ScriptEvaluation evaluation;
      if (numbers.contains("test_loss")) evaluation.test_loss = optional_number(numbers["test_loss"]);
      if (numbers.contains("test_accuracy")) evaluation.test_accuracy = optional_number(numbers["test_accuracy"]);
      return evaluation;
    };
  }
  return input;
}

py::dict as_dict(const ScriptRoundReport& report) {
  py::dict out;
  out["round"] = report.round;
  out["missing"] = report.missing;
  out["bytes_sent"] = report.bytes_sent;
  out["bytes_received"] = report.bytes_received;
  out["wait_seconds"] = report.wait_seconds;
  out["communicate_seconds"] = report.communicate_seconds;
  out["evaluated"] = report.evaluated;
  return out;
}

PeerOptions peer_options(const std::string& topology, int id, const std::string& run_dir, const std::string& key,
                         const std::string& settings_json, bool overwrite, bool resume, bool plaintext) {
  PeerOptions options;
  options.topology_path = topology;
  options.id = id;
  options.run_dir = run_dir;
  options.key_path = key;
  options.overrides = nlohmann::json::parse(settings_json);
  options.overwrite = overwrite;
  options.resume = resume;
  options.plaintext = plaintext;
  return options;
}

}  // namespace
}  // namespace gossip

PYBIND11_MODULE(_gossip, module) {
  using namespace gossip;
  module.doc() = "The gossip runtime's peer for a training script (see the package gossip).";
  static py::exception<ConfigError> config_error(module, "ConfigError", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr error) {
    try {
      if (error) std::rethrow_exception(error);
    } catch (const ConfigError& e) {
      config_error(e.what());
    } catch (const std::logic_error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });

  py::class_<ScriptPeer>(module, "ScriptPeer")
      .def(py::init([](const std::string& topology, int id, const std::string& run_dir, const std::string& key,
                       const std::string& settings_json, bool overwrite, bool resume, bool plaintext) {
             return std::make_unique<ScriptPeer>(
                 peer_options(topology, id, run_dir, key, settings_json, overwrite, resume, plaintext));
           }),
           py::arg("topology"), py::arg("id"), py::arg("run_dir"), py::arg("key") = "", py::arg("settings_json") = "{}",
           py::arg("overwrite") = false, py::arg("resume") = false, py::arg("plaintext") = false)
      .def_property_readonly("id", &ScriptPeer::id)
      .def_property_readonly("peers", &ScriptPeer::peers)
      .def_property_readonly("next_round", &ScriptPeer::next_round)
      .def_property_readonly("done", &ScriptPeer::done)
      .def_property_readonly("learning_rate", &ScriptPeer::learning_rate)
      .def_property_readonly("config_json", [](const ScriptPeer& peer) { return to_json(peer.config()).dump(); })
      .def(
          "start",
          [](ScriptPeer& peer, py::array model, std::optional<py::bytes> state) {
            const std::span<float> values = model_of(model);
            std::optional<std::string> bytes;
            if (state) bytes = std::string(*state);
            py::gil_scoped_release released;
            peer.start(values, bytes);
          },
          py::arg("model"), py::arg("state") = py::none())
      .def(
          "round",
          [](ScriptPeer& peer, py::array model, py::object loss, py::object train_accuracy, py::object step,
             py::object gradient, py::object evaluate) {
            const std::span<float> values = model_of(model);
            const ScriptRoundInput input = round_input(loss, train_accuracy, step, gradient, evaluate);
            ScriptRoundReport report;
            {
              py::gil_scoped_release released;
              report = peer.round(values, input);
            }
            return as_dict(report);
          },
          py::arg("model"), py::arg("loss") = py::none(), py::arg("train_accuracy") = py::none(),
          py::arg("step") = py::none(), py::arg("gradient") = py::none(), py::arg("evaluate") = py::none())
      .def("task_initial_parameters",
           [](const ScriptPeer& peer) {
             const std::vector<float> values = peer.task_initial_parameters();
             FloatArray out(static_cast<py::ssize_t>(values.size()));
             std::copy(values.begin(), values.end(), out.mutable_data());
             return out;
           })
      .def("state", [](const ScriptPeer& peer) { return py::bytes(peer.state()); })
      .def(
          "finish",
          [](ScriptPeer& peer, py::array model) {
            const std::span<float> values = model_of(model);
            py::gil_scoped_release released;
            peer.finish(values);
          },
          py::arg("model"))
      .def("log", &ScriptPeer::log, py::arg("line"));
}
