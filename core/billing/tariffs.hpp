#pragma once
// Tariff grids (YAML): brackets, residency, categories, sibling discounts, fees, rentals, schedules.

namespace imuse {}
