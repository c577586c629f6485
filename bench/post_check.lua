-- wrk script for bench/registration.sh: POST /api/v1/persons/match-check, each request a
-- different person drawn the way `safepath demo` draws its Tigrinya persons (the names of
-- config/demo/names.json's "tigrinya" group romanised, a date of birth between 1996 and 2015,
-- sex and names from a counter), so that each check meets a registry of persons like it,
-- with the session cookie and CSRF token from the environment (SP_COOKIE, SP_CSRF).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = os.getenv("SP_COOKIE")
wrk.headers["X-CSRF-Token"] = os.getenv("SP_CSRF")

local female = {"Saba", "Lula", "Hana", "Selam", "Azeb", "Freweini", "Ruta", "Elsa", "Tirhas", "Yordanos"}
local male = {"Tesfay", "Habtom", "Yonas", "Amanuel", "Dawit", "Filmon", "Semere", "Berhane", "Kidane", "Tekle"}
local n = 0

request = function()
  n = n + 1
  local f = n % 2 == 0
  local given = (f and female or male)[n % 10 + 1]
  local father = male[(n * 7) % 10 + 1]
  local grand = male[(n * 3 + 1) % 10 + 1]
  local body = string.format(
    '{"person":{"names":[{"role":"given","romanised":"%s"},{"role":"father","romanised":"%s"},' ..
    '{"role":"grandfather","romanised":"%s"}],"sex":"%s","date_of_birth":{"date":"%04d-%02d-%02d"},' ..
    '"nationalities":["ER"]}}',
    given, father, grand, f and "female" or "male", 1996 + n % 20, n % 12 + 1, n % 28 + 1)
  return wrk.format(nil, nil, nil, body)
end
