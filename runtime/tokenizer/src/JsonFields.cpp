//===- JsonFields.cpp - Typed access to tokenizer.json fields -------------===//

#include "Components.h"

namespace sinktok {

void throwLoadError(const std::string &path, const std::string &message) {
  throw LoadError{path, message};
}

std::string joinPath(const std::string &path, const std::string &field) {
  return path.empty() ? field : path + "." + field;
}

std::string indexPath(const std::string &path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

const Json &requireField(const Json &object, const char *key,
                         const std::string &path) {
  if (!object.is_object())
    throwLoadError(path, "expected a JSON object");
  auto found = object.find(key);
  if (found == object.end())
    throwLoadError(joinPath(path, key), "missing");
  return *found;
}

std::string getString(const Json &object, const char *key,
                      const std::string &path) {
  const Json &value = requireField(object, key, path);
  if (!value.is_string())
    throwLoadError(joinPath(path, key), "expected a string");
  return value.get<std::string>();
}

bool getBool(const Json &object, const char *key, const std::string &path,
             bool fallback) {
  auto found = object.find(key);
  if (found == object.end() || found->is_null())
    return fallback;
  if (!found->is_boolean())
    throwLoadError(joinPath(path, key), "expected true or false");
  return found->get<bool>();
}

int64_t getInt(const Json &object, const char *key, const std::string &path) {
  const Json &value = requireField(object, key, path);
  if (!value.is_number_integer())
    throwLoadError(joinPath(path, key), "expected an integer");
  return value.get<int64_t>();
}

std::string getType(const Json &object, const std::string &path) {
  if (!object.is_object())
    throwLoadError(path, "expected a JSON object");
  return getString(object, "type", path);
}

Pattern getPattern(const Json &component, const std::string &componentPath) {
  const Json &json = requireField(component, "pattern", componentPath);
  std::string path = joinPath(componentPath, "pattern");
  Pattern pattern;
  if (!json.is_object() || json.size() != 1)
    throwLoadError(path, "expected {\"String\": ...} or {\"Regex\": ...}");
  if (json.contains("String")) {
    pattern.literal = getString(json, "String", path);
    return pattern;
  }
  if (json.contains("Regex")) {
    std::string source = getString(json, "Regex", path);
    sinkrt::Expected<std::shared_ptr<const Regex>> regex =
        Regex::compile(source);
    if (!regex)
      throwLoadError(joinPath(path, "Regex"), regex.getError().message);
    pattern.regex = *regex;
    return pattern;
  }
  throwLoadError(path, "expected {\"String\": ...} or {\"Regex\": ...}");
}

std::vector<std::pair<size_t, size_t>>
Pattern::findAll(std::string_view text) const {
  if (regex)
    return regex->findAll(text);
  std::vector<std::pair<size_t, size_t>> matches;
  // Hugging Face gives an empty string pattern no matches.
  if (literal.empty())
    return matches;
  for (size_t position = text.find(literal); position != std::string::npos;
       position = text.find(literal, position + literal.size()))
    matches.emplace_back(position, position + literal.size());
  return matches;
}

std::string Pattern::replaceAll(std::string_view text,
                                std::string_view content) const {
  std::string out;
  size_t previous = 0;
  for (auto [start, end] : findAll(text)) {
    out.append(text, previous, start - previous);
    out += content;
    previous = end;
  }
  out.append(text, previous, std::string::npos);
  return out;
}

} // namespace sinktok
