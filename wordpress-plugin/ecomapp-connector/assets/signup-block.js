/* Editor side of the ecomapp/signup block: the same server-rendered form, two toggles. */
(function (blocks, element, serverSideRender, blockEditor, components) {
  const el = element.createElement;
  blocks.registerBlockType("ecomapp/signup", {
    apiVersion: 2,
    title: "ecomapp newsletter signup",
    icon: "email",
    category: "widgets",
    attributes: {
      phone: { type: "boolean", default: false },
      interests: { type: "boolean", default: true },
    },
    edit: function (props) {
      const toggle = (name, label) =>
        el(components.ToggleControl, {
          label: label,
          checked: props.attributes[name],
          onChange: (value) => props.setAttributes({ [name]: value }),
        });
      return el(
        "div",
        blockEditor.useBlockProps(),
        el(
          blockEditor.InspectorControls,
          null,
          el(components.PanelBody, { title: "Fields" }, toggle("phone", "Ask for a phone"),
            toggle("interests", "Ask for interests")),
        ),
        el(serverSideRender, { block: "ecomapp/signup", attributes: props.attributes }),
      );
    },
    save: function () {
      return null;
    },
  });
})(window.wp.blocks, window.wp.element, window.wp.serverSideRender, window.wp.blockEditor,
  window.wp.components);
