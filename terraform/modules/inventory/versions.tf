terraform {
  # 1.9: variable validation may refer to other objects (the environments check `site` against sites/).
  required_version = ">= 1.9.0"
}
