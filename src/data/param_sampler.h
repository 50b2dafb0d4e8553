// Draws a family level's parameters from their samplers.
//
// A parameter is a constant (any TOML value that is not a table) or a table
// naming one sampler:
//   {int = [lo, hi]}                  uniform integer, bounds inclusive
//   {digits = n}                      an n-digit integer, as a string (any size)
//   {choice = [a, b, ...]}            one element (any value, tables included)
//   {sample = {from = [...], k = n}}  n distinct elements, in drawn order
//   {list = {len = n, lo = a, hi = b, distinct = false, sorted = false}}
//   {word = {len = n, alphabet = "abc"}}   a random string (default a-z)
//   {decimal = {lo = a, hi = b, places = n}}  a decimal string, e.g. "12.07"
//   {date = ["YYYY-MM-DD", "YYYY-MM-DD"]}     a date in the range, as a string
//   {value = x}                       x itself (to write a literal table)
// Where a sampler wants an integer, a string names another parameter
// (`digits = "d"`), so a knob can drive several values.
//
// Each parameter draws from its own stream, derive_seed(seed, name), so the
// draws do not depend on the order of the table. Throws std::invalid_argument
// for a bad sampler, naming the parameter.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

namespace agentcoder::data {

nlohmann::ordered_json sample_params(const nlohmann::ordered_json& specs, uint64_t seed);

// Days since 1970-01-01 for a proleptic Gregorian date, and back.
int64_t days_from_civil(int y, unsigned m, unsigned d);
std::string civil_from_days(int64_t days);

}  // namespace agentcoder::data
