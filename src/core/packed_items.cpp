// Input items kept as their wire text (see packed_items.hpp).
#include <airelays/packed_items.hpp>

namespace airelays::packed_items {

namespace {

using nlohmann::json;

std::string text_of(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// An item expansion may rewrite (file references in image and file parts) stays a tree.
bool packable(const json& item) {
  auto content = item.find("content");
  if (content == item.end() || !content->is_array()) {
    return true;
  }
  for (const auto& part : *content) {
    auto type = part.is_object() ? part.find("type") : part.end();
    if (type == part.end() || !type->is_string()) {
      return false;
    }
    const auto& t = type->get_ref<const std::string&>();
    if (t != "input_text" && t != "output_text" && t != "refusal") {
      return false;
    }
  }
  return true;
}

// Writes the elements of an array, runs as their items.
void write_array(const json& array, std::string& out) {
  out += '[';
  bool first = true;
  for (const auto& element : array) {
    out += first ? "" : ",";
    first = false;
    if (is_packed(element)) {
      const auto& bytes = element.get_binary();
      out.append(bytes.begin(), bytes.end());
    } else {
      out += text_of(element);
    }
  }
  out += ']';
}

void write_member(const json& value, std::string& out) {
  if (value.is_array()) {
    write_array(value, out);
  } else {
    out += text_of(value);
  }
}

// The bytes of the packed runs in `value` (an input array) or its direct members.
std::size_t packed_bytes(const json& value) {
  std::size_t bytes = 0;
  auto add = [&bytes](const json& array) {
    for (const auto& element : array) {
      bytes += element.is_binary() ? element.get_binary().size() : 0;
    }
  };
  if (value.is_array()) {
    add(value);
  } else if (value.is_object()) {
    for (const auto& member : value) {
      if (member.is_array()) {
        add(member);
      }
    }
  }
  return bytes;
}

} // namespace

bool is_packed(const json& element) { return element.is_binary(); }

std::size_t count(const json& element) {
  return is_packed(element) ? static_cast<std::size_t>(element.get_binary().subtype()) : 1;
}

void append(json& input, json&& item) {
  if (!packable(item)) {
    input.push_back(std::move(item));
    return;
  }
  std::string text = text_of(item);
  item = json();
  if (input.empty() || !is_packed(input.back())) {
    input.push_back(json::binary({}, 0));
  }
  auto& run = input.back().get_binary();
  if (!run.empty()) {
    run.push_back(',');
  }
  run.insert(run.end(), text.begin(), text.end());
  run.set_subtype(run.subtype() + 1);
}

std::string dump(const json& value) {
  std::size_t packed = packed_bytes(value);
  if (packed == 0) {
    return text_of(value); // nothing packed: nlohmann's own dump, in one go
  }
  std::string out;
  out.reserve(packed + 4096); // a large text is not copied as it grows
  if (value.is_array()) {
    write_array(value, out);
    return out;
  }
  out += '{';
  bool first = true;
  for (auto it = value.begin(); it != value.end(); ++it) {
    out += first ? "" : ",";
    first = false;
    out += text_of(json(it.key()));
    out += ':';
    write_member(it.value(), out);
  }
  out += '}';
  return out;
}

} // namespace airelays::packed_items
